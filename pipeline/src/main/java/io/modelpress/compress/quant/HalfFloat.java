package io.modelpress.compress.quant;

/** IEEE 754 binary16 conversion with round-to-nearest-even (Java 17 has no Float.floatToFloat16). */
public final class HalfFloat {

  private HalfFloat() {}

  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int val = bits & 0x7fffffff;
    if (val >= 0x7f800000) { // infinity or NaN
      return (short) (sign | 0x7c00 | (val > 0x7f800000 ? 0x200 : 0));
    }
    if (val >= 0x477ff000) { // >= 65520 rounds to infinity
      return (short) (sign | 0x7c00);
    }
    if (val < 0x38800000) { // below 2^-14: subnormal half (or zero); x·2^24 is exact in float
      int m = (int) Math.rint(Float.intBitsToFloat(val) * 16777216f);
      return (short) (sign | m);
    }
    int exp = (val >>> 23) - 127 + 15;
    int mant = val & 0x7fffff;
    int h = (exp << 10) | (mant >>> 13);
    int rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1) == 1)) {
      h++; // a carry into the exponent is the right result
    }
    return (short) (sign | h);
  }

  public static float toFloat(short half) {
    int h = half & 0xffff;
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0) {
      float v = mant * 5.9604645e-8f; // 2^-24, exact
      return sign == 0 ? v : -v;
    }
    if (exp == 31) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }

  /** The float nearest to {@code f} that half precision can hold. */
  public static float round(float f) {
    return toFloat(fromFloat(f));
  }
}

package io.modelpress.data;

import java.awt.RenderingHints;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Encoded images (PNG, JPEG, whatever ImageIO reads) to unsigned bytes in CHW order. One channel is the
 * grey level (colour images: PIL's {@code convert("L")}, L = (19595 R + 38470 G + 7471 B + 2^15) / 2^16);
 * three channels are R, G, B (grey images repeated). Alpha is dropped. 16-bit samples keep their high byte.
 * An image of another size is refused, or scaled bilinearly to the shape when {@code resize}.
 */
public final class ImageDecoder {

  private ImageDecoder() {}

  /** The image's values, [channels × height × width]; an {@link IllegalArgumentException} says why not. */
  public static byte[] decode(byte[] encoded, int channels, int height, int width, boolean resize) {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("images decode to 1 or 3 channels, not " + channels);
    }
    BufferedImage img;
    try {
      img = ImageIO.read(new ByteArrayInputStream(encoded));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot be decoded (" + e.getMessage() + ")");
    }
    if (img == null) {
      throw new IllegalArgumentException("is not an image ImageIO can decode (PNG, JPEG, BMP, GIF)");
    }
    if (img.getHeight() != height || img.getWidth() != width) {
      if (!resize) {
        throw new IllegalArgumentException("is " + img.getWidth() + "×" + img.getHeight() + " (W×H) but the dataset's "
            + "shape is " + width + "×" + height + "; set 'dataset.resize: true' to scale images to it");
      }
      img = scaled(img, height, width);
    }
    byte[] out = new byte[channels * height * width];
    int plane = height * width;
    boolean grey = img.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY
        && !(img.getColorModel() instanceof IndexColorModel);
    Raster raster = img.getRaster();
    int shift = Math.max(0, raster.getSampleModel().getSampleSize(0) - 8);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int i = y * width + x;
        if (grey) {
          byte v = (byte) (raster.getSample(x, y, 0) >>> shift);
          for (int c = 0; c < channels; c++) {
            out[c * plane + i] = v;
          }
        } else {
          int rgb = img.getRGB(x, y);
          int r = (rgb >> 16) & 0xff;
          int g = (rgb >> 8) & 0xff;
          int b = rgb & 0xff;
          if (channels == 1) {
            out[i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
          } else {
            out[i] = (byte) r;
            out[plane + i] = (byte) g;
            out[2 * plane + i] = (byte) b;
          }
        }
      }
    }
    return out;
  }

  private static BufferedImage scaled(BufferedImage img, int height, int width) {
    boolean grey = img.getType() == BufferedImage.TYPE_BYTE_GRAY;
    BufferedImage out = new BufferedImage(width, height, grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(img, 0, 0, width, height, null);
    } finally {
      g.dispose();
    }
    return out;
  }
}

//! Pages as 1-bit PNG files (the `png` crate): one pixel a printer dot, with the 8 dots/mm
//! density recorded in the file (pHYs, 8000 pixels a metre).

use super::layout::PaperWidth;
use super::model::Receipt;
use super::raster::Bitmap;
use super::raster_page::receipt_page;

#[derive(Debug, thiserror::Error)]
#[error("cannot encode the PNG: {0}")]
pub struct PngError(#[from] png::EncodingError);

/// Encodes `page` as a 1-bit greyscale PNG, ink black on white.
pub fn encode_png(page: &Bitmap) -> Result<Vec<u8>, PngError> {
    let mut out = Vec::new();
    // PNG wants at least one pixel; an empty page is one white dot.
    let blank = Bitmap::new(1, 1);
    let page = if page.width() == 0 || page.height() == 0 {
        &blank
    } else {
        page
    };
    let mut encoder = png::Encoder::new(&mut out, page.width() as u32, page.height() as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    // Fast (fdeflate) is several times quicker than the default and a slip is mostly white.
    encoder.set_compression(png::Compression::Fast);
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: 8000,
        yppu: 8000,
        unit: png::Unit::Meter,
    }));
    let mut writer = encoder.write_header()?;
    // In 1-bit greyscale 0 is black: ink bits are inverted.
    let pixels: Vec<u8> = page.packed().iter().map(|b| !b).collect();
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}

/// The receipt as a PNG, laid out for `width` columns.
pub fn render_png(receipt: &Receipt, width: PaperWidth) -> Result<Vec<u8>, PngError> {
    encode_png(&receipt_page(receipt, width))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_reads_back_with_its_size_depth_and_ink() {
        let mut page = Bitmap::new(10, 3);
        page.set(9, 2);
        let bytes = encode_png(&page).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!((info.width, info.height), (10, 3));
        assert_eq!(info.bit_depth, png::BitDepth::One);
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        let dims = info.pixel_dims.unwrap();
        assert_eq!(dims.xppu, 8000);
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
        // Row 2, pixel 9 is black (bit clear); pixel 8 white.
        assert_eq!(buf[2 * 2 + 1] & 0x40, 0);
        assert_ne!(buf[2 * 2 + 1] & 0x80, 0);
        assert_eq!(buf[0], 0xff);
    }
}

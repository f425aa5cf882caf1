//! Reading single-band GeoTIFF DEMs block by block.
//!
//! Layouts: stripped or tiled; uncompressed, LZW, Deflate, ZSTD or PackBits with horizontal or
//! floating-point predictor; either byte order; classic TIFF or BigTIFF (all decoded by the `tiff` crate);
//! sparse files (GDAL `SPARSE_OK`: a block of byte count 0 is unwritten and reads as nodata, or 0 without
//! nodata, as GDAL reads it). Samples: int8/uint8, int16/uint16, int32/uint32, float32, float64.
//! Georeferencing from ModelPixelScale + ModelTiepoint (north-up only; PixelIsPoint is shifted half a
//! cell), the CRS from the GeoKeys (an EPSG code or a user-defined transverse Mercator), nodata from
//! GDAL_NODATA compared in the band's own type, as GDAL compares it. Values come out as `f64` with nodata
//! as NaN. The reader decodes one row of blocks at a time ([`DemReader::read_block_row`]); it never holds
//! the whole image, and the memory it may ask for is bounded by the file's size and its block size, so
//! a damaged header is refused instead of exhausting memory. Everything else is refused with the file's
//! name and the reason: lossy or proprietary compression (JPEG, LERC), MinIsWhite, other sample types.
//! The layout matrix of `fixtures/dem/matrix` checks every case against GDAL. What must not live here:
//! resampling and analysis ([`crate::compare`]).

use crate::crs::{CrsError, Datum, ProjectedCrs};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::tags::Tag;

/// Where the cells of a north-up grid are.
#[derive(Debug, Clone, PartialEq)]
pub struct GridGeometry {
    pub width: usize,
    pub height: usize,
    /// Easting of the left edge of column 0.
    pub left_m: f64,
    /// Northing of the top edge of row 0.
    pub top_m: f64,
    /// Cell width (east) and height (south), both positive.
    pub cell_x_m: f64,
    pub cell_y_m: f64,
}

impl GridGeometry {
    pub fn cell_area_m2(&self) -> f64 {
        self.cell_x_m * self.cell_y_m
    }

    /// Easting of the centre of column `col`.
    pub fn center_x(&self, col: usize) -> f64 {
        self.left_m + (col as f64 + 0.5) * self.cell_x_m
    }

    /// Northing of the centre of row `row`.
    pub fn center_y(&self, row: usize) -> f64 {
        self.top_m - (row as f64 + 0.5) * self.cell_y_m
    }

    pub fn right_m(&self) -> f64 {
        self.left_m + self.width as f64 * self.cell_x_m
    }

    pub fn bottom_m(&self) -> f64 {
        self.top_m - self.height as f64 * self.cell_y_m
    }
}

/// A value type block rows are decoded into: `f64` reads every supported sample exactly; `f32` halves
/// the memory of a block row and is exact for float32 and 16-bit DEMs (a float64 or int32 DEM is
/// rounded to 24 bits of mantissa: 0.03 mm at 300 m).
pub trait Cell: Copy + Default + Send + 'static {
    const NAN: Self;
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
}

impl Cell for f64 {
    const NAN: Self = f64::NAN;
    #[inline]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
}

impl Cell for f32 {
    const NAN: Self = f32::NAN;
    #[inline]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

/// The stored sample type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleKind {
    F32,
    F64,
    I8,
    I16,
    I32,
    U8,
    U16,
    U32,
}

/// The most memory one block, or one row of blocks as f64, may take (a 8192 × 8192 float32 tile is
/// 256 MiB; a row of 256-row tiles 500,000 cells wide is 1 GiB — 25 km at 5 cm).
const MAX_BLOCK_BYTES: usize = 1 << 30;

/// The most memory tag values may take (a million-block file's offsets take a few MiB).
const MAX_TAG_BYTES: usize = 256 << 20;

/// What the reader reads, for the message that refuses anything else.
const SUPPORTED_SAMPLES: &str = "int8、uint8、int16、uint16、int32、uint32、float32、float64";

impl SampleKind {
    pub fn name(self) -> &'static str {
        match self {
            SampleKind::F32 => "float32",
            SampleKind::F64 => "float64",
            SampleKind::I8 => "int8",
            SampleKind::I16 => "int16",
            SampleKind::I32 => "int32",
            SampleKind::U8 => "uint8",
            SampleKind::U16 => "uint16",
            SampleKind::U32 => "uint32",
        }
    }

    /// The declared nodata value as this type holds it, as GDAL compares it: `Ok(None)` when the type
    /// cannot hold it (GDAL then treats every cell as valid); refused when it is not an integer but
    /// the type is (GDAL would truncate it and mask cells the file never named).
    fn nodata_value(self, declared: f64) -> Result<Option<f64>, String> {
        let (min, max) = match self {
            SampleKind::F64 => return Ok(Some(declared)),
            SampleKind::F32 => {
                if declared.is_nan() || declared.is_infinite() {
                    return Ok(Some(declared));
                }
                if declared.abs() > f64::from(f32::MAX) {
                    return Ok(None);
                }
                // The float32 nearest the declared double: what the writer stored in the cells.
                #[allow(clippy::cast_possible_truncation)]
                return Ok(Some(f64::from(declared as f32)));
            }
            SampleKind::I8 => (f64::from(i8::MIN), f64::from(i8::MAX)),
            SampleKind::I16 => (f64::from(i16::MIN), f64::from(i16::MAX)),
            SampleKind::I32 => (f64::from(i32::MIN), f64::from(i32::MAX)),
            SampleKind::U8 => (0.0, f64::from(u8::MAX)),
            SampleKind::U16 => (0.0, f64::from(u16::MAX)),
            SampleKind::U32 => (0.0, f64::from(u32::MAX)),
        };
        if declared.is_nan() || declared < min || declared > max {
            Ok(None)
        } else if declared.fract() != 0.0 {
            Err(format!(
                "GDAL_NODATA 值 {declared} 不是整数，而波段类型是 {}：无法确定哪些像元无数据",
                self.name()
            ))
        } else {
            Ok(Some(declared))
        }
    }

    fn bytes(self) -> usize {
        match self {
            SampleKind::I8 | SampleKind::U8 => 1,
            SampleKind::I16 | SampleKind::U16 => 2,
            SampleKind::F32 | SampleKind::I32 | SampleKind::U32 => 4,
            SampleKind::F64 => 8,
        }
    }

    /// Converts native-endian samples into `out`, nodata to NaN.
    fn convert<T: Cell>(self, bytes: &[u8], out: &mut [T], nodata: Option<f64>) {
        macro_rules! each {
            ($t:ty, $n:expr) => {
                for (o, chunk) in out.iter_mut().zip(bytes.chunks_exact($n)) {
                    if let Ok(raw) = <[u8; $n]>::try_from(chunk) {
                        let v = f64::from(<$t>::from_ne_bytes(raw));
                        *o = match nodata {
                            Some(nd) if v == nd || (nd.is_nan() && v.is_nan()) => T::NAN,
                            _ => T::from_f64(v),
                        };
                    }
                }
            };
        }
        match self {
            SampleKind::F32 => each!(f32, 4),
            SampleKind::F64 => each!(f64, 8),
            SampleKind::I8 => each!(i8, 1),
            SampleKind::I16 => each!(i16, 2),
            SampleKind::I32 => each!(i32, 4),
            SampleKind::U8 => each!(u8, 1),
            SampleKind::U16 => each!(u16, 2),
            SampleKind::U32 => each!(u32, 4),
        }
    }
}

/// What a DEM file is, read from its tags.
#[derive(Debug, Clone, PartialEq)]
pub struct DemInfo {
    pub grid: GridGeometry,
    pub crs: ProjectedCrs,
    /// The nodata value as the band's own type holds it (a float32 band's `-3.4e38` is the float32
    /// nearest to it); `None` when the file declares none, or one its type cannot hold (GDAL then
    /// treats every cell as valid).
    pub nodata: Option<f64>,
    /// Block size: tile width × height, or image width × rows per strip.
    pub block_width: usize,
    pub block_height: usize,
    pub tiled: bool,
    pub sample: SampleKind,
}

/// Why a DEM could not be read. Each message names the file.
#[derive(Debug, thiserror::Error)]
pub enum RasterError {
    #[error("无法打开文件 {path}：{problem}")]
    Open { path: PathBuf, problem: std::io::Error },
    #[error("{path} 不是有效的 TIFF 文件，或文件已损坏/截断：{detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error("{path} 的格式不支持：{detail}")]
    Unsupported { path: PathBuf, detail: String },
    #[error("{path} 缺少地理参考（{detail}）")]
    NoGeoreference { path: PathBuf, detail: String },
    #[error("{path} 的坐标系：{problem}")]
    Crs { path: PathBuf, problem: CrsError },
}

impl RasterError {
    /// The reason alone, without the file's name (for a page that already shows the file).
    pub fn reason(&self) -> String {
        match self {
            Self::Open { problem, .. } => format!("无法打开：{problem}"),
            Self::Corrupt { detail, .. } => format!("不是有效的 TIFF 文件，或文件已损坏/截断：{detail}"),
            Self::Unsupported { detail, .. } => format!("格式不支持：{detail}"),
            Self::NoGeoreference { detail, .. } => format!("缺少地理参考（{detail}）"),
            Self::Crs { problem, .. } => format!("坐标系：{problem}"),
        }
    }

    /// The same message in English.
    pub fn message_en(&self) -> String {
        match self {
            Self::Open { path, problem } => format!("cannot open {}: {problem}", path.display()),
            Self::Corrupt { path, detail } => {
                format!(
                    "{} is not a valid TIFF or is corrupt/truncated: {detail}",
                    path.display()
                )
            }
            Self::Unsupported { path, detail } => format!("{}: unsupported layout: {detail}", path.display()),
            Self::NoGeoreference { path, detail } => {
                format!("{} has no georeferencing ({detail})", path.display())
            }
            Self::Crs { path, problem } => format!("{}: coordinate system: {problem}", path.display()),
        }
    }
}

/// A DEM open for reading block rows.
pub struct DemReader {
    path: PathBuf,
    decoder: Decoder<BufReader<File>>,
    info: DemInfo,
    /// Compressed size of each block; 0 marks a sparse (unwritten) block.
    byte_counts: Vec<u64>,
    /// What a sparse block reads as: NaN with nodata, 0 without (as GDAL).
    sparse_value: f64,
    /// Reused for every block: one decoded chunk.
    chunk: DecodingResult,
}

impl std::fmt::Debug for DemReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemReader")
            .field("path", &self.path)
            .field("info", &self.info)
            .finish()
    }
}

/// GeoKey ids used here (GeoTIFF 1.1, §7).
mod key {
    pub const MODEL_TYPE: u16 = 1024;
    pub const RASTER_TYPE: u16 = 1025;
    pub const GEOGRAPHIC_TYPE: u16 = 2048;
    pub const GEODETIC_DATUM: u16 = 2050;
    pub const ELLIPSOID: u16 = 2056;
    pub const PROJECTED_CS_TYPE: u16 = 3072;
    pub const PROJECTION: u16 = 3074;
    pub const PROJ_COORD_TRANS: u16 = 3075;
    pub const NAT_ORIGIN_LONG: u16 = 3080;
    pub const NAT_ORIGIN_LAT: u16 = 3081;
    pub const FALSE_EASTING: u16 = 3082;
    pub const FALSE_NORTHING: u16 = 3083;
    pub const CENTER_LONG: u16 = 3088;
    pub const SCALE_AT_NAT_ORIGIN: u16 = 3092;
    pub const PROJ_LINEAR_UNITS: u16 = 3076;
    pub const VERTICAL_UNITS: u16 = 4099;
    pub const METRE: f64 = 9001.0;
    pub const USER_DEFINED: f64 = 32767.0;
}

/// Values of the GeoKey directory (numbers only; text keys are not needed).
struct GeoKeys(Vec<(u16, f64)>);

impl GeoKeys {
    fn get(&self, id: u16) -> Option<f64> {
        self.0.iter().find(|(k, _)| *k == id).map(|(_, v)| *v)
    }
}

impl DemReader {
    /// Opens a DEM and reads its tags.
    pub fn open(path: &Path) -> Result<Self, RasterError> {
        Self::open_as(path, Georeference::Required)
    }

    /// Opens a file for its pixels alone, whatever its georeferencing (tests that compare the decoding
    /// with GDAL on other projects' files).
    #[cfg(test)]
    pub(crate) fn open_pixels(path: &Path) -> Result<Self, RasterError> {
        Self::open_as(path, Georeference::Ignored)
    }

    fn open_as(path: &Path, georeference: Georeference) -> Result<Self, RasterError> {
        let file = File::open(path).map_err(|problem| RasterError::Open {
            path: path.to_path_buf(),
            problem,
        })?;
        let file_bytes = file
            .metadata()
            .map_err(|problem| RasterError::Open {
                path: path.to_path_buf(),
                problem,
            })?
            .len();
        let corrupt = |e: tiff::TiffError| classify(path, e);
        // Tag values are stored in the file, so none can be larger than the file: a damaged count is
        // refused instead of being allocated.
        let mut limits = Limits::default();
        limits.ifd_value_size = usize::try_from(file_bytes).unwrap_or(usize::MAX).max(1 << 20);
        limits.decoding_buffer_size = limits.ifd_value_size.saturating_mul(8).min(MAX_TAG_BYTES);
        limits.intermediate_buffer_size = limits.ifd_value_size;
        let mut decoder = Decoder::new(BufReader::new(file))
            .map_err(corrupt)?
            .with_limits(limits.clone());
        let (info, declared_nodata) = read_info(path, &mut decoder, georeference)?;
        let byte_counts = read_byte_counts(&mut decoder, info.tiled).map_err(corrupt)?;
        let sparse_value = match (info.nodata, declared_nodata) {
            (Some(_), _) => f64::NAN,
            (None, None) => 0.0,
            (None, Some(declared)) if byte_counts.contains(&0) => {
                return Err(RasterError::Unsupported {
                    path: path.to_path_buf(),
                    detail: format!(
                        "文件含未写入的稀疏块，而 GDAL_NODATA 值 {declared} 超出 {} 的取值范围，无法确定这些块的值",
                        info.sample.name()
                    ),
                })
            }
            (None, Some(_)) => 0.0,
        };
        // A decoded block may be as large as the block itself (checked against MAX_BLOCK_BYTES).
        let block_bytes = info.block_width * info.block_height * info.sample.bytes();
        limits.decoding_buffer_size = limits.decoding_buffer_size.max(block_bytes);
        Ok(Self {
            path: path.to_path_buf(),
            decoder: decoder.with_limits(limits),
            info,
            byte_counts,
            sparse_value,
            chunk: DecodingResult::U8(Vec::new()),
        })
    }

    pub fn info(&self) -> &DemInfo {
        &self.info
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many block rows the image has.
    pub fn block_rows(&self) -> usize {
        self.info.grid.height.div_ceil(self.info.block_height)
    }

    /// Decodes block row `index` (all blocks across) into `out`, row-major, `width` values per row,
    /// nodata as NaN. Returns the first image row and the number of rows.
    pub fn read_block_row<T: Cell>(
        &mut self,
        index: usize,
        out: &mut Vec<T>,
    ) -> Result<(usize, usize), RasterError> {
        let width = self.info.grid.width;
        self.read_block_window(index, 0..width, out)
    }

    /// Like [`DemReader::read_block_row`] for the columns `cols` only (`cols.len()` values per row).
    /// A tiled file decodes only the tiles the columns overlap; a stripped one decodes whole strips.
    pub fn read_block_window<T: Cell>(
        &mut self,
        index: usize,
        cols: std::ops::Range<usize>,
        out: &mut Vec<T>,
    ) -> Result<(usize, usize), RasterError> {
        let grid = &self.info.grid;
        let (width, height) = (grid.width, grid.height);
        let (bw, bh) = (self.info.block_width, self.info.block_height);
        let first_row = index * bh;
        if first_row >= height || cols.start >= cols.end || cols.end > width {
            return Err(self.unsupported(format!("block row {index}, columns {cols:?} outside the image")));
        }
        let rows = bh.min(height - first_row);
        let out_w = cols.len();
        out.clear();
        out.resize(out_w * rows, T::NAN);
        let across = if self.info.tiled { width.div_ceil(bw) } else { 1 };
        let (first_block, last_block) = if self.info.tiled {
            (cols.start / bw, (cols.end - 1) / bw)
        } else {
            (0, 0)
        };
        let nodata = self.info.nodata;
        let sample = self.info.sample;
        let size = sample.bytes();
        for block_col in first_block..=last_block {
            let chunk = index * across + block_col;
            let chunk_index = u32::try_from(chunk).map_err(|_| self.unsupported("too many blocks".into()))?;
            let block_x0 = if self.info.tiled { block_col * bw } else { 0 };
            let data_w = if self.info.tiled {
                bw.min(width - block_x0)
            } else {
                width
            };
            // The part of this block inside the window, in image columns.
            let (x0, x1) = (cols.start.max(block_x0), cols.end.min(block_x0 + data_w));
            if x0 >= x1 {
                continue;
            }
            let Some(&compressed) = self.byte_counts.get(chunk) else {
                return Err(RasterError::Corrupt {
                    path: self.path.clone(),
                    detail: format!("block {chunk} has no offset/byte count"),
                });
            };
            if compressed == 0 {
                // Sparse: never written.
                let fill = T::from_f64(self.sparse_value);
                for r in 0..rows {
                    let dst_start = r * out_w + (x0 - cols.start);
                    if let Some(dst) = out.get_mut(dst_start..dst_start + (x1 - x0)) {
                        dst.fill(fill);
                    }
                }
                continue;
            }
            // Decoded at the full block width (the row stride the block was encoded with): the `tiff`
            // crate's path for narrower edge blocks refuses valid LZW data (fixtures/dem/matrix/README.md).
            let stride = bw * size;
            self.decoder
                .read_chunk_to_buffer(&mut self.chunk, chunk_index, stride)
                .map_err(|e| classify(&self.path, e))?;
            let buffer = self.chunk.as_buffer(0);
            let bytes = buffer.as_bytes();
            if bytes.len() < stride * (rows - 1) + data_w * size {
                return Err(RasterError::Corrupt {
                    path: self.path.clone(),
                    detail: format!(
                        "block {chunk} holds {} bytes for {data_w} × {rows} samples",
                        bytes.len()
                    ),
                });
            }
            for r in 0..rows {
                let dst_start = r * out_w + (x0 - cols.start);
                let src_start = r * stride + (x0 - block_x0) * size;
                let (Some(dst), Some(src)) = (
                    out.get_mut(dst_start..dst_start + (x1 - x0)),
                    bytes.get(src_start..src_start + (x1 - x0) * size),
                ) else {
                    continue;
                };
                sample.convert(src, dst, nodata);
            }
        }
        Ok((first_row, rows))
    }

    /// Reads the whole image (for tests and small files only).
    pub fn read_all(&mut self) -> Result<Vec<f64>, RasterError> {
        if self.info.grid.width.saturating_mul(self.info.grid.height) > 1 << 26 {
            return Err(self.unsupported("read_all is for small images".into()));
        }
        let mut all = Vec::with_capacity(self.info.grid.width * self.info.grid.height);
        let mut block: Vec<f64> = Vec::new();
        for index in 0..self.block_rows() {
            self.read_block_row(index, &mut block)?;
            all.extend_from_slice(&block);
        }
        Ok(all)
    }

    fn unsupported(&self, detail: String) -> RasterError {
        RasterError::Unsupported {
            path: self.path.clone(),
            detail,
        }
    }
}

fn classify(path: &Path, error: tiff::TiffError) -> RasterError {
    match error {
        tiff::TiffError::UnsupportedError(e) => RasterError::Unsupported {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        other => RasterError::Corrupt {
            path: path.to_path_buf(),
            detail: other.to_string(),
        },
    }
}

/// Each block's compressed size, in block order; 0 marks a sparse block.
fn read_byte_counts(decoder: &mut Decoder<BufReader<File>>, tiled: bool) -> tiff::TiffResult<Vec<u64>> {
    let tag = if tiled {
        Tag::TileByteCounts
    } else {
        Tag::StripByteCounts
    };
    decoder.get_tag_u64_vec(tag)
}

/// Compression methods whose decoding is exact (TIFF 6.0 §3 and libtiff's ZSTD).
fn compression_refusal(method: u16) -> Option<String> {
    match method {
        1 | 5 | 8 | 32946 | 32773 | 50000 => None,
        6 | 7 => Some("JPEG 有损压缩（高程值已被改变，不能作为测量依据）".into()),
        34887 => {
            Some("LERC 压缩（GDAL 专有格式，未支持；请用 gdal_translate -co COMPRESS=DEFLATE 转换）".into())
        }
        34925 => Some("LZMA 压缩（未支持；请用 DEFLATE、LZW 或 ZSTD）".into()),
        50001 => Some("WebP 有损压缩（高程值已被改变）".into()),
        other => Some(format!(
            "压缩方式 {other}（支持无压缩、LZW、DEFLATE、ZSTD、PackBits）"
        )),
    }
}

/// Where the grid is and in which CRS: left, top, cell width and height, CRS.
fn georeference_of(
    path: &Path,
    decoder: &mut Decoder<BufReader<File>>,
) -> Result<(f64, f64, f64, f64, ProjectedCrs), RasterError> {
    let corrupt = |e: tiff::TiffError| classify(path, e);
    let unsupported = |detail: String| RasterError::Unsupported {
        path: path.to_path_buf(),
        detail,
    };
    let no_geo = |detail: &str| RasterError::NoGeoreference {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    };
    if decoder
        .find_tag(Tag::ModelTransformationTag)
        .map_err(corrupt)?
        .is_some()
        && decoder
            .find_tag(Tag::ModelPixelScaleTag)
            .map_err(corrupt)?
            .is_none()
    {
        return Err(unsupported("使用变换矩阵（旋转网格），仅支持正北方向网格".into()));
    }
    let scale = decoder
        .find_tag(Tag::ModelPixelScaleTag)
        .map_err(corrupt)?
        .ok_or_else(|| no_geo("无 ModelPixelScale 标签"))?
        .into_f64_vec()
        .map_err(corrupt)?;
    let tie = decoder
        .find_tag(Tag::ModelTiepointTag)
        .map_err(corrupt)?
        .ok_or_else(|| no_geo("无 ModelTiepoint 标签"))?
        .into_f64_vec()
        .map_err(corrupt)?;
    let (Some(&sx), Some(&sy), [i, j, _, x, y, ..]) = (scale.first(), scale.get(1), tie.as_slice()) else {
        return Err(no_geo("ModelPixelScale 或 ModelTiepoint 不完整"));
    };
    if !(sx > 0.0 && sy > 0.0) {
        return Err(no_geo("像元大小不是正数"));
    }
    let keys = read_geo_keys(decoder)
        .map_err(corrupt)?
        .ok_or_else(|| no_geo("无 GeoKey 目录"))?;
    let mut left_m = x - i * sx;
    let mut top_m = y + j * sy;
    if keys.get(key::RASTER_TYPE) == Some(2.0) {
        // PixelIsPoint: the tie point is a cell centre.
        left_m -= sx / 2.0;
        top_m += sy / 2.0;
    }
    let crs = crs_of(&keys).map_err(|problem| RasterError::Crs {
        path: path.to_path_buf(),
        problem,
    })?;
    Ok((left_m, top_m, sx, sy, crs))
}

/// Whether [`read_info`] needs the georeferencing (always, but for the tests that compare the pixel
/// decoding of other projects' files with GDAL, whatever their CRS).
#[derive(Clone, Copy, PartialEq)]
enum Georeference {
    Required,
    #[cfg_attr(not(test), allow(dead_code))]
    Ignored,
}

/// Reads the tags; returns the information and the declared (untyped) GDAL_NODATA value.
fn read_info(
    path: &Path,
    decoder: &mut Decoder<BufReader<File>>,
    georeference: Georeference,
) -> Result<(DemInfo, Option<f64>), RasterError> {
    let corrupt = |e: tiff::TiffError| classify(path, e);
    let unsupported = |detail: String| RasterError::Unsupported {
        path: path.to_path_buf(),
        detail,
    };
    let (width, height) = decoder.dimensions().map_err(corrupt)?;
    let samples_per_pixel: u16 = decoder
        .find_tag_unsigned(Tag::SamplesPerPixel)
        .map_err(corrupt)?
        .unwrap_or(1);
    if samples_per_pixel != 1 {
        return Err(unsupported(format!(
            "{samples_per_pixel} 个波段（应为单波段 DEM）"
        )));
    }
    let bits: u16 = decoder
        .find_tag_unsigned(Tag::BitsPerSample)
        .map_err(corrupt)?
        .unwrap_or(1);
    let format: u16 = decoder
        .find_tag_unsigned(Tag::SampleFormat)
        .map_err(corrupt)?
        .unwrap_or(1);
    let sample = match (format, bits) {
        (3, 32) => SampleKind::F32,
        (3, 64) => SampleKind::F64,
        (2, 8) => SampleKind::I8,
        (2, 16) => SampleKind::I16,
        (2, 32) => SampleKind::I32,
        (1, 8) => SampleKind::U8,
        (1, 16) => SampleKind::U16,
        (1, 32) => SampleKind::U32,
        _ => {
            let kind = match format {
                1 => "无符号整数",
                2 => "有符号整数",
                3 => "浮点",
                5 | 6 => "复数",
                _ => "未知类型",
            };
            return Err(unsupported(format!(
                "采样类型为{kind}、{bits} 位（支持 {SUPPORTED_SAMPLES}）"
            )));
        }
    };
    let compression: u16 = decoder
        .find_tag_unsigned(Tag::Compression)
        .map_err(corrupt)?
        .unwrap_or(1);
    if let Some(reason) = compression_refusal(compression) {
        return Err(unsupported(reason));
    }
    let photometric: u16 = decoder
        .find_tag_unsigned(Tag::PhotometricInterpretation)
        .map_err(corrupt)?
        .unwrap_or(1);
    match photometric {
        1 => {}
        0 => {
            return Err(unsupported(
                "光度解释为 MinIsWhite（反相灰度图像，不是高程）".into(),
            ))
        }
        other => {
            return Err(unsupported(format!(
                "光度解释 {other}（高程应为单波段 MinIsBlack）"
            )))
        }
    }
    let tiled = decoder.find_tag(Tag::TileWidth).map_err(corrupt)?.is_some();
    let (block_width, block_height) = if tiled {
        let w: u32 = decoder.get_tag_unsigned(Tag::TileWidth).map_err(corrupt)?;
        let h: u32 = decoder.get_tag_unsigned(Tag::TileLength).map_err(corrupt)?;
        (w as usize, h as usize)
    } else {
        let rows: u32 = decoder
            .find_tag_unsigned(Tag::RowsPerStrip)
            .map_err(corrupt)?
            .unwrap_or(height);
        (width as usize, rows.min(height) as usize)
    };
    if block_width == 0 || block_height == 0 {
        return Err(unsupported("块大小为 0".into()));
    }
    // One row of blocks is decoded at a time, as f64 at most: refuse a size no real DEM has (a damaged
    // header) instead of asking for terabytes.
    let block_row_cells = (width as usize)
        .div_ceil(block_width)
        .saturating_mul(block_width)
        .saturating_mul(block_height);
    if block_width
        .saturating_mul(block_height)
        .saturating_mul(sample.bytes())
        > MAX_BLOCK_BYTES
        || block_row_cells.saturating_mul(8) > MAX_BLOCK_BYTES
    {
        return Err(unsupported(format!(
            "块大小 {block_width} × {block_height}（图像宽 {width}）一次需解码超过 1 GiB：文件头可能已损坏；若文件无误，请用 gdal_translate -co TILED=YES 转为分块存储"
        )));
    }
    let (left_m, top_m, sx, sy, crs) = match georeference {
        Georeference::Required => georeference_of(path, decoder)?,
        Georeference::Ignored => (
            0.0,
            0.0,
            1.0,
            1.0,
            ProjectedCrs::from_epsg(4546).map_err(|problem| RasterError::Crs {
                path: path.to_path_buf(),
                problem,
            })?,
        ),
    };
    let declared = match decoder.find_tag(Tag::GdalNodata).map_err(corrupt)? {
        Some(value) => {
            let text = value.into_string().map_err(corrupt)?;
            let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
            Some(
                text.parse::<f64>()
                    .map_err(|_| unsupported(format!("GDAL_NODATA 值 “{text}” 不是数字")))?,
            )
        }
        None => None,
    };
    let nodata = match declared {
        Some(value) => sample.nodata_value(value).map_err(unsupported)?,
        None => None,
    };
    let info = DemInfo {
        grid: GridGeometry {
            width: width as usize,
            height: height as usize,
            left_m,
            top_m,
            cell_x_m: sx,
            cell_y_m: sy,
        },
        crs,
        nodata,
        block_width,
        block_height,
        tiled,
        sample,
    };
    Ok((info, declared))
}

fn read_geo_keys(decoder: &mut Decoder<BufReader<File>>) -> tiff::TiffResult<Option<GeoKeys>> {
    let Some(directory) = decoder.find_tag(Tag::GeoKeyDirectoryTag)? else {
        return Ok(None);
    };
    let directory = directory.into_u16_vec()?;
    let doubles = match decoder.find_tag(Tag::GeoDoubleParamsTag)? {
        Some(v) => v.into_f64_vec()?,
        None => Vec::new(),
    };
    Ok(Some(GeoKeys::of_directory(&directory, &doubles)))
}

impl GeoKeys {
    /// The numeric keys of a GeoKey directory (GeoTIFF's tag 34735, or a LAS file's GeoKeyDirectory
    /// record) with its double parameters (34736).
    fn of_directory(directory: &[u16], doubles: &[f64]) -> Self {
        let count = usize::from(*directory.get(3).unwrap_or(&0));
        let mut keys = Vec::with_capacity(count);
        for k in 0..count {
            let Some(&[id, location, _count, value]) = directory.get(4 + 4 * k..8 + 4 * k) else {
                break;
            };
            let number = match location {
                0 => Some(f64::from(value)),
                34736 => doubles.get(usize::from(value)).copied(),
                _ => None,
            };
            if let Some(number) = number {
                keys.push((id, number));
            }
        }
        GeoKeys(keys)
    }
}

/// The projected CRS a GeoKey directory describes (used for LAS point clouds too), refused unless it
/// is one the engine reconciles exactly and its horizontal and vertical units are metres.
pub(crate) fn crs_of_geo_keys(directory: &[u16], doubles: &[f64]) -> Result<ProjectedCrs, CrsError> {
    crs_of(&GeoKeys::of_directory(directory, doubles))
}

/// The projection methods of GeoTIFF's ProjCoordTransGeoKey (GeoTIFF 1.1, §7.5.3.4), for messages.
fn projection_method_zh(code: f64) -> &'static str {
    if code.fract() != 0.0 {
        return "其他投影";
    }
    #[allow(clippy::cast_possible_truncation)]
    match code as i64 {
        1 => "横轴墨卡托",
        2 => "横轴墨卡托（南向）",
        3..=5 => "斜轴墨卡托",
        7 => "墨卡托",
        8 | 9 => "兰勃特等角圆锥",
        10 => "兰勃特方位等积",
        11 => "阿尔伯斯等积圆锥",
        12 => "方位等距",
        15 | 16 => "极球面/斜球面",
        17 => "等距圆柱",
        18 => "卡西尼",
        22 => "多圆锥",
        _ => "其他投影",
    }
}

fn crs_of(keys: &GeoKeys) -> Result<ProjectedCrs, CrsError> {
    if keys.get(key::MODEL_TYPE) != Some(1.0) {
        return Err(CrsError::Unsupported("非投影坐标系（地理坐标或未知）".into()));
    }
    // EPSG 9001 is the metre; a grid or cloud in feet would be misread by a factor of 0.3048.
    for (id, what) in [(key::PROJ_LINEAR_UNITS, "平面"), (key::VERTICAL_UNITS, "高程")] {
        match keys.get(id) {
            Some(unit) if unit != key::METRE => {
                let name = match unit {
                    9002.0 => "英尺，",
                    9003.0 => "美国测量英尺，",
                    _ => "",
                };
                return Err(CrsError::Unsupported(format!(
                    "{what}单位不是米（{name}GeoTIFF 单位代码 {unit}，米为 9001）"
                )));
            }
            _ => {}
        }
    }
    match keys.get(key::PROJECTED_CS_TYPE) {
        Some(code) if code != key::USER_DEFINED && code > 0.0 => return ProjectedCrs::from_epsg(code as u32),
        _ => {}
    }
    // A user-defined projection: only transverse Mercator.
    match (keys.get(key::PROJ_COORD_TRANS), keys.get(key::PROJECTION)) {
        (Some(1.0), _) => {}
        (Some(method), _) => {
            return Err(CrsError::Unsupported(format!(
                "自定义投影的方法是{}（GeoTIFF 坐标变换代码 {method}），不是横轴墨卡托",
                projection_method_zh(method)
            )))
        }
        (None, Some(code)) => {
            return Err(CrsError::Unsupported(format!(
                "投影按代码 {code} 给出（EPSG 投影代码，如 UTM 带），不是 CGCS2000 高斯-克吕格"
            )))
        }
        (None, None) => return Err(CrsError::Unsupported("自定义投影未给出投影方法".into())),
    }
    let datum = match (
        keys.get(key::GEOGRAPHIC_TYPE),
        keys.get(key::GEODETIC_DATUM),
        keys.get(key::ELLIPSOID),
    ) {
        (Some(4490.0), _, _) => Datum::Cgcs2000,
        (_, Some(1043.0), _) => Datum::Cgcs2000,
        (Some(4326.0), _, _) => Datum::Wgs84,
        (_, Some(6326.0), _) => Datum::Wgs84,
        (Some(4258.0), _, _) => Datum::Etrs89,
        (_, Some(6258.0), _) => Datum::Etrs89,
        (g, d, e) => Datum::Other(format!(
            "地理坐标系 {}、基准 {}、椭球 {}",
            g.map_or("?".into(), |v| v.to_string()),
            d.map_or("?".into(), |v| v.to_string()),
            e.map_or("?".into(), |v| v.to_string())
        )),
    };
    let central_meridian_deg = keys
        .get(key::NAT_ORIGIN_LONG)
        .or_else(|| keys.get(key::CENTER_LONG))
        .ok_or_else(|| CrsError::Unsupported("自定义横轴墨卡托缺少中央经线".into()))?;
    Ok(ProjectedCrs {
        datum,
        central_meridian_deg,
        latitude_of_origin_deg: keys.get(key::NAT_ORIGIN_LAT).unwrap_or(0.0),
        scale: keys.get(key::SCALE_AT_NAT_ORIGIN).unwrap_or(1.0),
        false_easting_m: keys.get(key::FALSE_EASTING).unwrap_or(0.0),
        false_northing_m: keys.get(key::FALSE_NORTHING).unwrap_or(0.0),
        epsg: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/dem")
            .join(name)
    }

    /// The grid every fixture holds (see fixtures/dem/make_fixtures.py).
    fn expected(row: usize, col: usize, float: bool) -> f64 {
        if [(2, 3), (17, 19)].contains(&(row, col)) {
            return f64::NAN;
        }
        let base = 100.0 + 7.0 * row as f64 + 3.0 * col as f64;
        if float {
            base + 0.25 * (col % 4) as f64
        } else {
            base
        }
    }

    fn read_back_exactly(name: &str, float: bool) -> DemInfo {
        let mut reader = DemReader::open(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let info = reader.info().clone();
        assert_eq!((info.grid.width, info.grid.height), (20, 18), "{name}");
        let values = reader.read_all().unwrap();
        for row in 0..18 {
            for col in 0..20 {
                let (got, want) = (values[row * 20 + col], expected(row, col, float));
                assert!(
                    got == want || (got.is_nan() && want.is_nan()),
                    "{name} ({row}, {col}): {got} vs {want}"
                );
            }
        }
        info
    }

    #[test]
    fn every_layout_reads_back_exactly() {
        for (name, float, tiled) in [
            ("f32_strip_none.tif", true, false),
            ("f32_strip_lzw_pred2.tif", true, false),
            ("f32_tiled_deflate_pred3.tif", true, true),
            ("f64_tiled_lzw_pred3.tif", true, true),
            ("i16_strip_deflate_pred2_bigendian.tif", false, false),
            ("i32_tiled_lzw_pred2.tif", false, true),
            ("f32_bigtiff_deflate_pred3.tif", true, true),
            ("f32_bigendian_deflate_pred3.tif", true, false),
            ("f32_nodata_nan.tif", true, false),
        ] {
            let info = read_back_exactly(name, float);
            assert_eq!(info.tiled, tiled, "{name}");
            assert_eq!(info.crs.epsg, Some(4525), "{name}");
            assert_eq!(info.grid.left_m, 37_373_000.0, "{name}");
            assert_eq!(info.grid.top_m, 2_708_500.0, "{name}");
            assert_eq!(info.grid.cell_area_m2(), 0.25, "{name}");
        }
        let info = read_back_exactly("f32_strip_lzw_pred2.tif", true);
        assert_eq!((info.block_width, info.block_height), (20, 5));
        let info = read_back_exactly("f32_tiled_deflate_pred3.tif", true);
        assert_eq!((info.block_width, info.block_height), (16, 16));
    }

    #[test]
    fn a_window_reads_the_same_values_as_the_whole_row() {
        for name in [
            "f32_tiled_deflate_pred3.tif",
            "f32_strip_lzw_pred2.tif",
            "i32_tiled_lzw_pred2.tif",
        ] {
            let mut reader = DemReader::open(&fixture(name)).unwrap();
            let whole = reader.read_all().unwrap();
            for cols in [0..20, 3..17, 15..17, 16..20, 0..1, 19..20] {
                let mut row = 0;
                let mut block: Vec<f64> = Vec::new();
                for index in 0..reader.block_rows() {
                    let (first, rows) = reader.read_block_window(index, cols.clone(), &mut block).unwrap();
                    assert_eq!(first, row);
                    for r in 0..rows {
                        for (k, c) in cols.clone().enumerate() {
                            let (got, want) = (block[r * cols.len() + k], whole[(first + r) * 20 + c]);
                            assert!(
                                got == want || (got.is_nan() && want.is_nan()),
                                "{name} {cols:?} ({r}, {c})"
                            );
                        }
                    }
                    row += rows;
                }
                assert_eq!(row, 18);
            }
            let mut block: Vec<f32> = Vec::new();
            assert!(reader.read_block_window(0, 5..21, &mut block).is_err());
        }
    }

    #[test]
    fn crs_from_an_epsg_code_a_user_projection_or_pixel_is_point() {
        let plain = read_back_exactly("f32_epsg4546.tif", true);
        assert_eq!(plain.crs.epsg, Some(4546));
        assert_eq!(plain.grid.left_m, 373_000.0);
        let user = read_back_exactly("f32_user_tmerc.tif", true);
        assert_eq!(user.crs.epsg, None, "a user-defined projection");
        assert_eq!(user.crs.central_meridian_deg, 111.0);
        assert_eq!(user.crs.datum, Datum::Cgcs2000);
        assert_eq!(user.crs.easting_offset_to(&plain.crs).unwrap(), 0.0);
        let point = read_back_exactly("f32_pixel_is_point.tif", true);
        assert_eq!((point.grid.left_m, point.grid.top_m), (37_373_000.0, 2_708_500.0));
        let unknown = read_back_exactly("f32_grs80_unknown_datum.tif", true);
        assert!(
            unknown.crs.easting_offset_to(&plain.crs).is_err(),
            "{:?}",
            unknown.crs
        );
    }

    #[test]
    fn bad_files_name_the_file_and_the_problem() {
        let err = DemReader::open(&fixture("f32_geographic.tif")).unwrap_err();
        assert!(matches!(err, RasterError::Crs { .. }), "{err}");
        assert!(err.to_string().contains("f32_geographic.tif"));
        let err = DemReader::open(&fixture("f32_user_albers.tif")).unwrap_err();
        assert!(matches!(err, RasterError::Crs { .. }), "{err}");
        assert!(err.to_string().contains("阿尔伯斯等积圆锥"), "{err}");
        let err = DemReader::open(&fixture("f32_no_georeference.tif")).unwrap_err();
        assert!(matches!(err, RasterError::NoGeoreference { .. }), "{err}");
        let err = DemReader::open(&fixture("u8_two_bands.tif")).unwrap_err();
        assert!(matches!(err, RasterError::Unsupported { .. }), "{err}");
        assert!(err.to_string().contains("2 个波段"), "{err}");
        let err = DemReader::open(&fixture("missing.tif")).unwrap_err();
        assert!(err.to_string().starts_with("无法打开文件"), "{err}");

        let dir = std::env::temp_dir().join(format!("orewatch-geotiff-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bytes = std::fs::read(fixture("f32_tiled_deflate_pred3.tif")).unwrap();
        // Cut inside the tile data: the header reads, a tile does not.
        let truncated = dir.join("truncated.tif");
        std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
        let outcome = DemReader::open(&truncated).and_then(|mut r| r.read_all());
        let err = outcome.unwrap_err();
        assert!(err.to_string().contains("truncated.tif"), "{err}");
        let garbage = dir.join("garbage.tif");
        std::fs::write(&garbage, b"II*\0garbage that is not a tiff").unwrap();
        let err = DemReader::open(&garbage).unwrap_err();
        assert!(matches!(err, RasterError::Corrupt { .. }), "{err}");
        let text = dir.join("text.tif");
        std::fs::write(&text, "1, 2708250.00, 37373200.00").unwrap();
        assert!(matches!(
            DemReader::open(&text).unwrap_err(),
            RasterError::Corrupt { .. }
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[cfg(test)]
mod gdal_matrix {
    //! The layout matrix of `fixtures/dem/matrix` (written and read by GDAL, see its README): every file
    //! decodes to GDAL's values exactly, or is refused with a message that names it.
    use super::*;
    use sha2::{Digest, Sha256};
    use std::fmt::Write as _;

    fn matrix_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/dem/matrix")
    }

    /// SHA-256 of the values as little-endian f64, every NaN as the one canonical NaN (as the script).
    fn digest(values: &[f64]) -> (String, usize) {
        let mut hasher = Sha256::new();
        let mut valid = 0;
        for v in values {
            let v = if v.is_nan() { f64::NAN } else { *v };
            valid += usize::from(!v.is_nan());
            hasher.update(v.to_le_bytes());
        }
        (hex::encode(hasher.finalize()), valid)
    }

    fn manifest() -> Vec<(String, String, String, usize)> {
        let text = std::fs::read_to_string(matrix_dir().join("manifest.tsv")).unwrap();
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|line| {
                let f: Vec<&str> = line.split('\t').collect();
                (
                    f[0].to_string(),
                    f[1].to_string(),
                    f[2].to_string(),
                    f[3].parse().unwrap(),
                )
            })
            .collect()
    }

    /// Every layout and nodata form compared with itself: no change, and exactly GDAL's valid cells.
    #[test]
    fn every_matrix_file_compared_with_itself_keeps_every_valid_cell() {
        use crate::compare::{compare_files, Analysis, Period, Thresholds};
        // A licence over the middle of the matrix grid (E 37373000–37373011.1, N 2708493.1–2708500).
        let licence = crate::licence::Licence::from_json(
            r#"{"licence_no": "C0000000000000000000001", "mine_name": "测试矿", "crs": "EPSG:4525",
               "boundary": "1, 2708499, 37373002\n2, 2708499, 37373009\n3, 2708494, 37373009\n4, 2708494, 37373002",
               "elevation_top_m": 1000.0, "elevation_floor_m": -1000.0, "annual_output_10kt": 1.0,
               "density_t_m3": 2.5}"#,
        )
        .unwrap();
        let analysis = Analysis {
            licence,
            period: Period::parse("2025-01-01..2025-04-11").unwrap(),
            thresholds: Thresholds::default(),
            watch: Vec::new(),
        };
        let cancel = std::sync::atomic::AtomicBool::new(false);
        for (name, expect, _, valid) in manifest() {
            if expect != "identical" {
                continue;
            }
            let path = matrix_dir().join(&name);
            let report = compare_files(&analysis, None, &path, &path, &mut |_| {}, &cancel)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let cell = report.grid.cell_area_m2;
            let got = (report.inside.valid_area_m2 + report.outside.valid_area_m2) / cell;
            assert!(
                (got - valid as f64).abs() < 1e-6,
                "{name}: {got} valid cells, GDAL {valid}"
            );
            for region in [report.inside, report.outside] {
                assert_eq!((region.cut_m3, region.fill_m3), (0.0, 0.0), "{name}");
            }
        }
    }

    /// Other projects' GeoTIFFs (rasterio's and GeoTIFF/test-data's test files, the shared rasters),
    /// recorded by `fixtures/dem/public/gdal_values.py` (the files are not committed; see that
    /// folder's README): band 1 decodes as GDAL reads it, and each file is taken as a DEM or refused
    /// with the file named. Prints the table for the README.
    #[test]
    #[ignore = "needs OREWATCH_PUBLIC_DEMS=DIR[:DIR…] prepared by fixtures/dem/public/gdal_values.py"]
    fn public_files_decode_as_gdal_does() {
        let dirs = std::env::var("OREWATCH_PUBLIC_DEMS").expect("OREWATCH_PUBLIC_DEMS");
        let mut failures = Vec::new();
        println!("| file | GDAL | pixels (band 1) | as a DEM |\n|---|---|---|---|");
        for dir in dirs.split(':').map(PathBuf::from) {
            let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
            let folder = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
            for line in manifest.lines().filter(|l| !l.starts_with('#')) {
                let f: Vec<&str> = line.split('\t').collect();
                let [name, sha, valid, bands, dtype, compression, ..] = f.as_slice() else {
                    continue;
                };
                let path = dir.join(name);
                let pixels = match DemReader::open_pixels(&path).and_then(|mut r| r.read_all()) {
                    Ok(values) if *sha == "gdal-error" => {
                        failures.push(format!("{name}: GDAL cannot read it, Orewatch decoded it"));
                        format!("decoded {} values", values.len())
                    }
                    Ok(values) => {
                        let (got, _) = digest(&values);
                        if got == *sha {
                            "identical".to_string()
                        } else {
                            failures.push(format!("{name}: band 1 differs from GDAL"));
                            "DIFFERENT".to_string()
                        }
                    }
                    Err(e) => {
                        if !e.to_string().contains(name) {
                            failures.push(format!("{name}: refusal does not name the file"));
                        }
                        format!("refused: {}", e.reason())
                    }
                };
                let as_dem = match DemReader::open(&path) {
                    Ok(r) => format!(
                        "accepted ({})",
                        r.info()
                            .crs
                            .epsg
                            .map_or("user TM".to_string(), |c| format!("EPSG:{c}"))
                    ),
                    Err(e) => format!("refused: {}", e.reason()),
                };
                let gdal = if *sha == "gdal-error" {
                    "cannot read".to_string()
                } else {
                    format!("{bands} × {dtype}, {compression}, {valid} valid")
                };
                println!("| {folder}/`{name}` | {gdal} | {pixels} | {as_dem} |");
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn the_gdal_matrix_reads_as_gdal_does() {
        let manifest = std::fs::read_to_string(matrix_dir().join("manifest.tsv")).unwrap();
        let mut table = String::from("| file | GDAL: valid cells | Orewatch |\n|---|---|---|\n");
        let mut failures = Vec::new();
        for line in manifest.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let fields: Vec<&str> = line.split('\t').collect();
            let [name, expect, sha, valid, _note] = fields.as_slice() else {
                panic!("manifest line {line}");
            };
            let path = matrix_dir().join(name);
            let outcome = DemReader::open(&path).and_then(|mut r| r.read_all());
            let result = match (outcome, *expect) {
                (Ok(values), "identical") => {
                    let (got, got_valid) = digest(&values);
                    if got == *sha {
                        "identical".to_string()
                    } else {
                        failures.push(format!(
                            "{name}: values differ from GDAL ({got_valid} valid, GDAL {valid})"
                        ));
                        "DIFFERENT".to_string()
                    }
                }
                (Ok(_), _) => {
                    failures.push(format!("{name}: read, but should be refused"));
                    "read (should be refused)".to_string()
                }
                (Err(e), _) => {
                    let message = e.to_string();
                    if !message.contains(*name) {
                        failures.push(format!("{name}: message does not name the file: {message}"));
                    }
                    if *expect != "refused" {
                        failures.push(format!("{name}: refused: {message}"));
                    }
                    format!("refused: {}", e.reason())
                }
            };
            let _ = writeln!(table, "| `{name}` | {valid} | {result} |");
        }
        let readme_path = matrix_dir().join("README.md");
        let readme = std::fs::read_to_string(&readme_path).unwrap();
        let (head, rest) = readme
            .split_once("<!-- table -->\n")
            .expect("README has <!-- table -->");
        let (_, tail) = rest
            .split_once("<!-- /table -->")
            .expect("README has <!-- /table -->");
        let updated = format!("{head}<!-- table -->\n{table}<!-- /table -->{tail}");
        if std::env::var_os("OREWATCH_UPDATE_FIXTURE_README").is_some() {
            std::fs::write(&readme_path, &updated).unwrap();
        }
        assert!(
            failures.is_empty(),
            "{} files:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(
            readme == updated,
            "fixtures/dem/matrix/README.md's table is out of date: run the test with OREWATCH_UPDATE_FIXTURE_README=1"
        );
    }
}

#[cfg(test)]
mod fuzz {
    //! A fuzz target (`scripts/fuzz.sh` runs 10,000 cases under a 4 GiB address-space limit): DEM
    //! fixtures with bits flipped, interesting integers written over header fields (counts, offsets,
    //! dimensions), runs copied elsewhere, or cut short. Each must decode or be refused with the file
    //! named; a panic, or an allocation the limit aborts, fails it.
    use super::*;
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::OnceLock;

    fn seeds() -> &'static Vec<Vec<u8>> {
        static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
        SEEDS.get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/dem");
            let mut paths: Vec<PathBuf> = ["", "matrix"]
                .iter()
                .filter_map(|d| std::fs::read_dir(root.join(d)).ok())
                .flatten()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "tif"))
                .collect();
            paths.sort();
            paths
                .iter()
                .filter_map(|p| std::fs::read(p).ok())
                .filter(|b| b.len() < 64 * 1024)
                .collect()
        })
    }

    const INTERESTING: [u64; 12] = [
        0,
        1,
        2,
        0x7F,
        0x80,
        0xFF,
        0x8000,
        0xFFFF,
        0x7FFF_FFFF,
        0xFFFF_FFFF,
        0x1_0000_0000,
        u64::MAX,
    ];

    /// One mutation: (kind, position, value).
    fn mutate(data: &mut Vec<u8>, (kind, at, value): (u8, usize, usize)) {
        let len = data.len().max(1);
        match kind {
            // Flip a bit, most often in the header and IFDs at the front.
            0 => {
                let at = if value % 2 == 0 {
                    at % len.min(512)
                } else {
                    at % len
                };
                if let Some(b) = data.get_mut(at) {
                    *b ^= 1 << (value % 8);
                }
            }
            // An interesting integer over a field, 1–8 bytes, either byte order.
            1 | 2 => {
                let number = INTERESTING.get(value % INTERESTING.len()).copied().unwrap_or(0);
                let width = [1usize, 2, 4, 8].get((value / 16) % 4).copied().unwrap_or(4);
                let mut bytes: Vec<u8> = number.to_le_bytes().iter().take(width).copied().collect();
                if (value / 64) % 2 == 1 {
                    bytes.reverse();
                }
                let at = at % len.min(1024);
                for (k, byte) in bytes.into_iter().enumerate() {
                    if let Some(b) = data.get_mut(at + k) {
                        *b = byte;
                    }
                }
            }
            3 => data.truncate(at % (len + 1)),
            // Copy a run over another place.
            4 => {
                let (from, to) = (at % len, value % len);
                let n = (value / 7 % 64).min(len - from).min(len - to);
                let run: Vec<u8> = data.get(from..from + n).unwrap_or_default().to_vec();
                if let Some(target) = data.get_mut(to..to + n) {
                    target.copy_from_slice(&run);
                }
            }
            _ => {
                if let Some(b) = data.get_mut(at % len) {
                    *b = (value % 256) as u8;
                }
            }
        }
    }

    proptest! {
        #[test]
        fn a_mangled_dem_is_decoded_or_refused_by_name_never_a_panic(
            seed in any::<usize>(),
            mutations in prop::collection::vec((0u8..6, any::<usize>(), any::<usize>()), 1..5),
        ) {
            static CASE: AtomicUsize = AtomicUsize::new(0);
            let seeds = seeds();
            let mut data = seeds.get(seed % seeds.len()).cloned().unwrap_or_default();
            for m in mutations {
                mutate(&mut data, m);
            }
            let dir = std::env::temp_dir().join(format!("orewatch-dem-fuzz-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("mutant-{}.tif", CASE.fetch_add(1, Ordering::Relaxed) % 4));
            std::fs::write(&path, &data).unwrap();
            let outcome = DemReader::open(&path).and_then(|mut reader| {
                let mut block: Vec<f32> = Vec::new();
                for index in 0..reader.block_rows() {
                    reader.read_block_row(index, &mut block)?;
                }
                Ok(())
            });
            if let Err(e) = outcome {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                prop_assert!(e.to_string().contains(&name), "{e}");
            }
        }
    }
}

//! The layers under the licences: protected areas (entered from an announcement's corner points, or
//! imported from GeoJSON or a zipped Shapefile) and administrative boundaries (the county and its
//! townships, imported the same way). A layer is imported whole or not at all.

use crate::{App, AppError, Caller, Result};
use orewatch_domain::field::{optional_text, required_text};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::protected::{BoundaryKind, ProtectedKind};
use orewatch_domain::{AuditAction, FieldErrors, Problem};
use orewatch_spatial::layers::{self, LayerError, LayerFeature};
use orewatch_spatial::parcel::Parcel;
use orewatch_storage::boundaries::{self, NewBoundary};
use orewatch_storage::protected_areas::{self, NewProtectedArea};

/// What a layer file becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerTarget {
    Protected(ProtectedKind),
    Boundary(BoundaryKind),
}

/// Adds a protected area from corner-point text (the way announcements publish them).
pub async fn create_protected_area(
    app: &App,
    caller: &Caller,
    kind: &str,
    name: &str,
    source: &str,
    boundary: &str,
) -> Result<orewatch_domain::ProtectedAreaId> {
    caller.require(Action::EditRegistry, &Resource::Installation)?;
    let mut e = FieldErrors::new();
    let kind = e.take("kind", ProtectedKind::parse(kind));
    let name = e.take("name", required_text(name, 100));
    let source = e.take("source", optional_text(source, 200));
    let parcel = e.take(
        "boundary",
        orewatch_domain::field::no_control_characters(boundary).and_then(|()| {
            Parcel::from_text_with(
                boundary,
                app.settings.map_zone,
                &app.settings.corner_options(app.settings.map_zone),
            )
            .map_err(|err| Problem::Boundary {
                message: err.to_string(),
            })
        }),
    );
    let (Some(kind), Some(name), Some(source), Some(parcel)) = (kind, name, source, parcel) else {
        return Err(AppError::Invalid(e));
    };
    let parcel_json = serde_json::to_string(&parcel).map_err(AppError::json("parcel"))?;
    let mut tx = app.write(caller).await?;
    let id = protected_areas::insert(
        &mut tx,
        &NewProtectedArea {
            kind,
            name: &name,
            source: source.as_deref(),
            parcel_json: &parcel_json,
            area_m2: parcel.area_m2,
        },
    )
    .await?;
    tx.audit_of(AuditAction::ProtectedAreaCreate, id, None, None)
        .await?;
    tx.commit().await?;
    Ok(id)
}

fn layer_error(e: LayerError) -> AppError {
    AppError::invalid(
        "file",
        Problem::Layer {
            message: e.to_string(),
        },
    )
}

/// Reads a layer file: GeoJSON, or a zipped Shapefile with its .prj.
pub(crate) fn read_layer(app: &App, file_name: &str, bytes: &[u8]) -> Result<Vec<LayerFeature>> {
    let limits = app.settings.upload_limits.layers();
    let lower = file_name.to_ascii_lowercase();
    let fallback = std::path::Path::new(file_name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("图层")
        .to_string();
    if lower.ends_with(".zip") {
        layers::read_zipped_shapefile(bytes, &fallback, &limits).map_err(layer_error)
    } else if lower.ends_with(".geojson") || lower.ends_with(".json") {
        let text = std::str::from_utf8(bytes).map_err(|_| {
            AppError::invalid(
                "file",
                Problem::Layer {
                    message: "不是 UTF-8 编码的文本".into(),
                },
            )
        })?;
        layers::read_geojson(text, &fallback, &limits).map_err(layer_error)
    } else {
        Err(AppError::invalid(
            "file",
            Problem::Layer {
                message: "应为 .geojson/.json 文件或含 .shp、.dbf、.prj 的 .zip 压缩包".into(),
            },
        ))
    }
}

/// Imports a layer as protected areas of one kind or as boundaries, all features or none. Returns how
/// many were added.
pub async fn import(
    app: &App,
    caller: &Caller,
    target: LayerTarget,
    file_name: &str,
    bytes: &[u8],
) -> Result<usize> {
    caller.require(Action::EditRegistry, &Resource::Installation)?;
    let features = read_layer(app, file_name, bytes)?;
    let source: String = file_name.chars().take(200).collect();
    let source = required_text(&source, 200).unwrap_or_else(|_| "图层".into());
    let prepared = features
        .iter()
        .map(|f| {
            let name: String = f.name.chars().filter(|c| !c.is_control()).take(100).collect();
            let json = serde_json::to_string(&f.parcel).map_err(AppError::json("parcel"))?;
            Ok((name, json, f.parcel.area_m2))
        })
        .collect::<Result<Vec<_>>>()?;
    let note = format!("导入图层 {source}");
    let mut tx = app.write(caller).await?;
    match target {
        LayerTarget::Protected(kind) => {
            let rows: Vec<NewProtectedArea> = prepared
                .iter()
                .map(|(name, json, area)| NewProtectedArea {
                    kind,
                    name,
                    source: Some(&source),
                    parcel_json: json,
                    area_m2: *area,
                })
                .collect();
            protected_areas::insert_many(&mut tx, &rows, Some(&note)).await?;
        }
        LayerTarget::Boundary(kind) => {
            let rows: Vec<NewBoundary> = prepared
                .iter()
                .map(|(name, json, area)| NewBoundary {
                    kind,
                    name,
                    source: Some(&source),
                    parcel_json: json,
                    area_m2: *area,
                })
                .collect();
            boundaries::insert_many(&mut tx, &rows, Some(&note)).await?;
        }
    }
    tx.commit().await?;
    Ok(features.len())
}

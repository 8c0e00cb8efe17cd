//! Geospatial tests for `GEOWITHIN`: points on the unit sphere, great-circle distance
//! (haversine) for circles, and point-in-polygon with great-circle edges for boxes and
//! polygons (Realm uses S2 geometry, whose edges are geodesics too).
//!
//! A stored point is an object with a string `type` equal to `"Point"` and a list
//! `coordinates` of `[longitude, latitude]` (an optional third number, the altitude, is
//! ignored), as Realm documents. Anything else is not a point and never matches.

use super::bound::{GeoPoint, GeoShape};
use crate::value::Value;

/// Two points closer than this (radians) are the same point.
const EPSILON: f64 = 1e-12;

/// Why a shape is invalid (the binder adds the position).
pub(crate) fn validate(shape: &GeoShape) -> Result<(), String> {
    match shape {
        GeoShape::Circle { center, radius } => {
            check_point(center)?;
            if !radius.is_finite() || *radius < 0.0 {
                return Err(format!(
                    "the radius of a geoCircle must be a non-negative number of radians, not {radius}"
                ));
            }
        }
        GeoShape::Box {
            bottom_left,
            top_right,
        } => {
            check_point(bottom_left)?;
            check_point(top_right)?;
            if !ring_fits_hemisphere(&box_ring(bottom_left, top_right)) {
                return Err("the geoBox is too large: its corners must fit in a hemisphere".into());
            }
            if bottom_left.latitude > top_right.latitude {
                return Err(format!(
                    "the bottom-left corner of a geoBox (latitude {}) must not be north of its top-right corner (latitude {})",
                    bottom_left.latitude, top_right.latitude
                ));
            }
        }
        GeoShape::Polygon { outer, holes } => {
            check_ring(outer, "the outer ring")?;
            for (i, hole) in holes.iter().enumerate() {
                let name = format!("hole {}", i + 1);
                check_ring(hole, &name)?;
                // Every vertex of a hole lies inside the outer ring.
                for p in hole {
                    if !ring_contains(outer, &to_vec(p)) {
                        return Err(format!(
                            "{name} of the geoPolygon is not inside its outer ring (point [{}, {}])",
                            p.longitude, p.latitude
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

fn check_point(p: &GeoPoint) -> Result<(), String> {
    if !(p.longitude.is_finite() && (-180.0..=180.0).contains(&p.longitude)) {
        return Err(format!(
            "longitude {} is out of range: it must be between -180 and 180",
            p.longitude
        ));
    }
    if !(p.latitude.is_finite() && (-90.0..=90.0).contains(&p.latitude)) {
        return Err(format!(
            "latitude {} is out of range: it must be between -90 and 90",
            p.latitude
        ));
    }
    Ok(())
}

fn check_ring(ring: &[GeoPoint], name: &str) -> Result<(), String> {
    for p in ring {
        check_point(p)?;
    }
    let (Some(first), Some(last)) = (ring.first(), ring.last()) else {
        return Err(format!("{name} of the geoPolygon has no points"));
    };
    if first != last {
        return Err(format!(
            "{name} of the geoPolygon is not closed: its first point [{}, {}] must be repeated as its last point, not [{}, {}]",
            first.longitude, first.latitude, last.longitude, last.latitude
        ));
    }
    let mut distinct: Vec<[f64; 3]> = Vec::new();
    for p in &ring[..ring.len() - 1] {
        let v = to_vec(p);
        if !distinct.iter().any(|d| same(d, &v)) {
            distinct.push(v);
        }
    }
    if distinct.len() < 3 {
        return Err(format!(
            "{name} of the geoPolygon needs at least 3 different points (and the first repeated last), found {}",
            distinct.len()
        ));
    }
    if !ring_fits_hemisphere(ring) {
        return Err(format!(
            "{name} of the geoPolygon does not fit in a hemisphere, so its inside is ambiguous"
        ));
    }
    Ok(())
}

/// The point a stored object denotes, if it is a valid point.
pub(crate) fn point_of(type_value: &Value, coordinates: &Value) -> Option<GeoPoint> {
    match type_value {
        Value::String(t) if t == "Point" => {}
        _ => return None,
    }
    let (Value::List(items) | Value::Set(items)) = coordinates else {
        return None;
    };
    if !(2..=3).contains(&items.len()) {
        return None;
    }
    let number = |v: &Value| match v {
        Value::Double(d) => Some(*d),
        Value::Float(f) => Some(f64::from(*f)),
        Value::Int(i) => Some(*i as f64),
        _ => None,
    };
    let point = GeoPoint {
        longitude: number(&items[0])?,
        latitude: number(&items[1])?,
    };
    check_point(&point).ok().map(|()| point)
}

/// Whether `point` lies in `shape` (boundary included, up to rounding).
pub(crate) fn contains(shape: &GeoShape, point: &GeoPoint) -> bool {
    let p = to_vec(point);
    match shape {
        GeoShape::Circle { center, radius } => distance(center, point) <= *radius + EPSILON,
        GeoShape::Box {
            bottom_left,
            top_right,
        } => {
            let ring = box_ring(bottom_left, top_right);
            ring_contains(&ring, &p)
        }
        GeoShape::Polygon { outer, holes } => {
            ring_contains(outer, &p) && !holes.iter().any(|h| ring_interior_contains(h, &p))
        }
    }
}

/// The great-circle distance in radians (haversine formula).
pub(crate) fn distance(a: &GeoPoint, b: &GeoPoint) -> f64 {
    let (lat1, lat2) = (a.latitude.to_radians(), b.latitude.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.longitude - a.longitude).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * h.sqrt().min(1.0).asin()
}

/// A box as a closed ring of its four corners, counter-clockwise.
fn box_ring(bl: &GeoPoint, tr: &GeoPoint) -> Vec<GeoPoint> {
    let br = GeoPoint {
        longitude: tr.longitude,
        latitude: bl.latitude,
    };
    let tl = GeoPoint {
        longitude: bl.longitude,
        latitude: tr.latitude,
    };
    vec![*bl, br, *tr, tl, *bl]
}

fn to_vec(p: &GeoPoint) -> [f64; 3] {
    let (lat, lon) = (p.latitude.to_radians(), p.longitude.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn dot(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: &[f64; 3], b: &[f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn same(a: &[f64; 3], b: &[f64; 3]) -> bool {
    (a[0] - b[0]).abs() < EPSILON && (a[1] - b[1]).abs() < EPSILON && (a[2] - b[2]).abs() < EPSILON
}

/// Whether `p` lies on the great-circle arc from `a` to `b` (shorter arc).
fn on_edge(a: &[f64; 3], b: &[f64; 3], p: &[f64; 3]) -> bool {
    let n = cross(a, b);
    let len = dot(&n, &n).sqrt();
    if len < EPSILON {
        return same(a, p);
    }
    if (dot(&n, p) / len).abs() > 1e-9 {
        return false;
    }
    // Between a and b: the arcs a→p and p→b add up to a→b.
    let ang = |x: &[f64; 3], y: &[f64; 3]| dot(x, y).clamp(-1.0, 1.0).acos();
    (ang(a, p) + ang(p, b) - ang(a, b)).abs() < 1e-9
}

/// Whether the ring (closed, great-circle edges) encloses `p` or has it on its boundary.
fn ring_contains(ring: &[GeoPoint], p: &[f64; 3]) -> bool {
    let vs: Vec<[f64; 3]> = ring.iter().map(to_vec).collect();
    if vs.windows(2).any(|w| on_edge(&w[0], &w[1], p)) {
        return true;
    }
    encloses(&vs, p)
}

/// Like [`ring_contains`] but without the boundary (a point on a hole's edge stays in the
/// polygon).
fn ring_interior_contains(ring: &[GeoPoint], p: &[f64; 3]) -> bool {
    let vs: Vec<[f64; 3]> = ring.iter().map(to_vec).collect();
    if vs.windows(2).any(|w| on_edge(&w[0], &w[1], p)) {
        return false;
    }
    encloses(&vs, p)
}

/// The direction of the ring's vertex centroid, if the ring lies in the open hemisphere
/// around it (then the ring encloses the smaller region, which contains that direction).
fn ring_center(vs: &[[f64; 3]]) -> Option<[f64; 3]> {
    let body = &vs[..vs.len().saturating_sub(1)];
    let mut c = [0.0; 3];
    for v in body {
        c = [c[0] + v[0], c[1] + v[1], c[2] + v[2]];
    }
    let len = dot(&c, &c).sqrt();
    if len < EPSILON {
        return None;
    }
    let c = [c[0] / len, c[1] / len, c[2] / len];
    body.iter().all(|v| dot(v, &c) > 1e-9).then_some(c)
}

/// Even-odd test in the gnomonic projection centred on the ring: it maps great-circle arcs to
/// straight segments, so the planar test is exact for geodesic edges.
fn encloses(vs: &[[f64; 3]], p: &[f64; 3]) -> bool {
    let Some(c) = ring_center(vs) else {
        return false;
    };
    let dp = dot(p, &c);
    if dp <= 1e-12 {
        return false;
    }
    // An orthonormal basis of the plane tangent at `c`.
    let helper = if c[0].abs() < 0.9 {
        [1.0, 0.0, 0.0]
    } else {
        [0.0, 1.0, 0.0]
    };
    let e1 = {
        let x = cross(&c, &helper);
        let len = dot(&x, &x).sqrt();
        [x[0] / len, x[1] / len, x[2] / len]
    };
    let e2 = cross(&c, &e1);
    let project = |v: &[f64; 3]| {
        let d = dot(v, &c);
        (dot(v, &e1) / d, dot(v, &e2) / d)
    };
    let (px, py) = project(p);
    let pts: Vec<(f64, f64)> = vs.iter().map(project).collect();
    let mut inside = false;
    for w in pts.windows(2) {
        let ((x1, y1), (x2, y2)) = (w[0], w[1]);
        if (y1 > py) != (y2 > py) {
            let x = x1 + (py - y1) * (x2 - x1) / (y2 - y1);
            if px < x {
                inside = !inside;
            }
        }
    }
    inside
}

/// Whether the ring fits in a hemisphere (the region it encloses is then well defined).
pub(crate) fn ring_fits_hemisphere(ring: &[GeoPoint]) -> bool {
    let vs: Vec<[f64; 3]> = ring.iter().map(to_vec).collect();
    ring_center(&vs).is_some()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pt(longitude: f64, latitude: f64) -> GeoPoint {
        GeoPoint {
            longitude,
            latitude,
        }
    }

    #[test]
    fn haversine_distance() {
        // A quarter of the equator is π/2.
        let d = distance(&pt(0.0, 0.0), &pt(90.0, 0.0));
        assert!((d - std::f64::consts::FRAC_PI_2).abs() < 1e-12);
        // Pole to equator.
        let d = distance(&pt(10.0, 90.0), &pt(-45.0, 0.0));
        assert!((d - std::f64::consts::FRAC_PI_2).abs() < 1e-12);
        assert_eq!(distance(&pt(3.0, 4.0), &pt(3.0, 4.0)), 0.0);
    }

    #[test]
    fn circles_boxes_and_polygons() {
        let circle = GeoShape::Circle {
            center: pt(0.0, 0.0),
            radius: 1f64.to_radians(),
        };
        assert!(contains(&circle, &pt(0.5, 0.5)));
        assert!(!contains(&circle, &pt(1.0, 1.0)));
        let bx = GeoShape::Box {
            bottom_left: pt(-10.0, -10.0),
            top_right: pt(10.0, 10.0),
        };
        assert!(contains(&bx, &pt(0.0, 0.0)));
        assert!(contains(&bx, &pt(-10.0, 0.0)));
        assert!(!contains(&bx, &pt(11.0, 0.0)));
        // A box crossing the antimeridian.
        let wrap = GeoShape::Box {
            bottom_left: pt(170.0, -5.0),
            top_right: pt(-170.0, 5.0),
        };
        assert!(contains(&wrap, &pt(180.0, 0.0)));
        assert!(!contains(&wrap, &pt(0.0, 0.0)));
        let square = vec![
            pt(0.0, 0.0),
            pt(4.0, 0.0),
            pt(4.0, 4.0),
            pt(0.0, 4.0),
            pt(0.0, 0.0),
        ];
        let hole = vec![
            pt(1.0, 1.0),
            pt(2.0, 1.0),
            pt(2.0, 2.0),
            pt(1.0, 2.0),
            pt(1.0, 1.0),
        ];
        let poly = GeoShape::Polygon {
            outer: square.clone(),
            holes: vec![hole],
        };
        assert!(validate(&poly).is_ok());
        assert!(contains(&poly, &pt(3.0, 3.0)));
        assert!(!contains(&poly, &pt(1.5, 1.5)));
        assert!(!contains(&poly, &pt(5.0, 1.0)));
        // Orientation does not matter.
        let reversed: Vec<GeoPoint> = square.into_iter().rev().collect();
        let poly = GeoShape::Polygon {
            outer: reversed,
            holes: vec![],
        };
        assert!(contains(&poly, &pt(3.0, 3.0)));
        assert!(!contains(&poly, &pt(-3.0, 3.0)));
    }

    #[test]
    fn invalid_shapes_say_why() {
        let open = GeoShape::Polygon {
            outer: vec![pt(0.0, 0.0), pt(1.0, 0.0), pt(1.0, 1.0)],
            holes: vec![],
        };
        assert!(validate(&open).unwrap_err().contains("not closed"));
        let flat = GeoShape::Polygon {
            outer: vec![pt(0.0, 0.0), pt(1.0, 0.0), pt(0.0, 0.0)],
            holes: vec![],
        };
        assert!(validate(&flat).unwrap_err().contains("at least 3"));
        let neg = GeoShape::Circle {
            center: pt(0.0, 0.0),
            radius: -1.0,
        };
        assert!(validate(&neg).unwrap_err().contains("non-negative"));
        let far = GeoShape::Circle {
            center: pt(0.0, 91.0),
            radius: 1.0,
        };
        assert!(validate(&far).unwrap_err().contains("latitude"));
    }

    #[test]
    fn stored_points() {
        let coords = Value::List(vec![Value::Double(1.0), Value::Double(2.0)]);
        assert_eq!(point_of(&Value::from("Point"), &coords), Some(pt(1.0, 2.0)));
        assert_eq!(point_of(&Value::from("Polygon"), &coords), None);
        assert_eq!(point_of(&Value::Null, &coords), None);
        let short = Value::List(vec![Value::Double(1.0)]);
        assert_eq!(point_of(&Value::from("Point"), &short), None);
        let off = Value::List(vec![Value::Double(200.0), Value::Double(2.0)]);
        assert_eq!(point_of(&Value::from("Point"), &off), None);
    }
}

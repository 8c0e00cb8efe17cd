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

/// Why a point is out of range, if it is.
pub(crate) fn check_point(p: &GeoPoint) -> Result<(), String> {
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

/// Why a ring (named `name` in the message) is not a valid closed ring, if it is not.
pub(crate) fn check_ring(ring: &[GeoPoint], name: &str) -> Result<(), String> {
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
    if let Some((i, j)) = crossing_edges(ring) {
        return Err(format!(
            "{name} of the geoPolygon is not valid: its edges {i} and {j} cross"
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

fn normalize(v: [f64; 3]) -> [f64; 3] {
    let len = dot(&v, &v).sqrt();
    [v[0] / len, v[1] / len, v[2] / len]
}

/// The orientation of three points: +1 counter-clockwise, -1 clockwise, 0 on one great circle.
fn orientation(a: &[f64; 3], b: &[f64; 3], c: &[f64; 3]) -> i8 {
    let d = dot(&cross(a, b), c);
    if d > 0.0 {
        1
    } else if d < 0.0 {
        -1
    } else {
        0
    }
}

/// Whether the arcs `a`–`b` and `c`–`d` cross at a point interior to both.
fn arcs_cross(a: &[f64; 3], b: &[f64; 3], c: &[f64; 3], d: &[f64; 3]) -> bool {
    let acb = -orientation(a, b, c);
    if acb == 0 || acb != orientation(a, b, d) {
        return false;
    }
    if -orientation(c, d, b) != acb {
        return false;
    }
    orientation(c, d, a) == acb
}

/// A closed ring prepared for containment tests: its vertices (without the repeated last
/// one), whether its inside lies to the left of its edges, and a reference point just left of
/// its first edge.
struct Loop {
    vs: Vec<[f64; 3]>,
    inside_is_left: bool,
    reference: [f64; 3],
    alternate: [f64; 3],
}

impl Loop {
    fn new(ring: &[GeoPoint]) -> Loop {
        let mut vs: Vec<[f64; 3]> = ring.iter().map(to_vec).collect();
        vs.pop();
        // Gauss-Bonnet: the area to the left is 2π minus the sum of the turning angles. Like
        // S2, the inside is the smaller of the two regions (a ring is never "inverted").
        let n = vs.len();
        let mut turning = 0.0;
        for i in 0..n {
            let (a, b, c) = (&vs[(i + n - 1) % n], &vs[i], &vs[(i + 1) % n]);
            let (n1, n2) = (cross(a, b), cross(b, c));
            turning += dot(&cross(&n1, &n2), b).atan2(dot(&n1, &n2));
        }
        let left_area = 2.0 * std::f64::consts::PI - turning;
        let beside = |i: usize| {
            let (a, b) = (&vs[i % n], &vs[(i + 1) % n]);
            let mid = normalize([a[0] + b[0], a[1] + b[1], a[2] + b[2]]);
            let left = normalize(cross(a, b));
            normalize([
                mid[0] + 1e-7 * left[0],
                mid[1] + 1e-7 * left[1],
                mid[2] + 1e-7 * left[2],
            ])
        };
        Loop {
            inside_is_left: left_area <= 2.0 * std::f64::consts::PI,
            reference: beside(0),
            alternate: beside(1),
            vs,
        }
    }

    fn on_boundary(&self, p: &[f64; 3]) -> bool {
        let n = self.vs.len();
        (0..n).any(|i| on_edge(&self.vs[i], &self.vs[(i + 1) % n], p))
    }

    /// Whether `p` (not on the boundary) is inside: the arc from a reference point left of
    /// an edge to `p` crosses the ring an even number of times when `p` is left too.
    fn encloses(&self, p: &[f64; 3]) -> bool {
        let reference = if dot(&self.reference, p) < -1.0 + 1e-9 {
            &self.alternate
        } else {
            &self.reference
        };
        let n = self.vs.len();
        let crossings = (0..n)
            .filter(|&i| arcs_cross(reference, p, &self.vs[i], &self.vs[(i + 1) % n]))
            .count();
        (crossings % 2 == 0) == self.inside_is_left
    }
}

/// Whether the ring encloses `p` or has it on its boundary (a ring of fewer than three
/// points, which binding rejects, encloses nothing).
fn ring_contains(ring: &[GeoPoint], p: &[f64; 3]) -> bool {
    if ring.len() < 4 {
        return false;
    }
    let lp = Loop::new(ring);
    lp.on_boundary(p) || lp.encloses(p)
}

/// Like [`ring_contains`] but without the boundary (a point on a hole's edge stays in the
/// polygon).
fn ring_interior_contains(ring: &[GeoPoint], p: &[f64; 3]) -> bool {
    if ring.len() < 4 {
        return false;
    }
    let lp = Loop::new(ring);
    !lp.on_boundary(p) && lp.encloses(p)
}

/// The first two non-adjacent edges of a closed ring that cross, if any.
fn crossing_edges(ring: &[GeoPoint]) -> Option<(usize, usize)> {
    let vs: Vec<[f64; 3]> = ring.iter().map(to_vec).collect();
    let edges = vs.len().saturating_sub(1);
    for i in 0..edges {
        for j in i + 2..edges {
            if i == 0 && j + 1 == edges {
                continue; // the first and last edges share the first point
            }
            if arcs_cross(&vs[i], &vs[i + 1], &vs[j], &vs[j + 1]) {
                return Some((i, j));
            }
        }
    }
    None
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

    /// The data and expectations of realm-js's geospatial integration tests
    /// (`integration-tests/tests/src/tests/sync/geospatial.ts`).
    #[test]
    fn realm_js_geospatial_expectations() {
        let pois = [
            ("zero", pt(0.0, 0.0)),
            ("A", pt(50.5, 50.5)),
            ("B", pt(40.0, -40.0)),
            ("C", pt(-30.0, -30.5)),
            ("D", pt(-25.0, 25.0)),
            ("NP", pt(0.01, 89.9)),
        ];
        let run = |shape: GeoShape| -> Vec<&str> {
            assert!(validate(&shape).is_ok(), "{shape:?}");
            pois.iter()
                .filter(|(_, p)| contains(&shape, p))
                .map(|(n, _)| *n)
                .collect()
        };
        let bx = |a: (f64, f64), b: (f64, f64)| GeoShape::Box {
            bottom_left: pt(a.0, a.1),
            top_right: pt(b.0, b.1),
        };
        let ring = |pts: &[(f64, f64)]| pts.iter().map(|&(x, y)| pt(x, y)).collect::<Vec<_>>();
        let poly = |outer: &[(f64, f64)], holes: &[&[(f64, f64)]]| GeoShape::Polygon {
            outer: ring(outer),
            holes: holes.iter().map(|h| ring(h)).collect(),
        };
        let circle = |c: (f64, f64), radius: f64| GeoShape::Circle {
            center: pt(c.0, c.1),
            radius,
        };
        assert_eq!(run(circle((0.0, 0.0), 0.001)), ["zero"]);
        assert_eq!(run(circle((2.34, -4.6), 1.5)), ["zero", "A", "B", "C", "D"]);
        assert_eq!(run(circle((-32.34, -25.0), 0.5)), ["C"]);
        assert!(run(circle((-75.234, 45.023), 0.01)).is_empty());
        assert_eq!(run(circle((0.0, 90.0), 0.5)), ["NP"]);
        assert_eq!(run(bx((-1.0, -1.0), (1.0, 1.0))), ["zero"]);
        // Great-circle edges: this box reaches over the north pole…
        assert_eq!(
            run(bx((-90.23, -80.25), (85.24, 88.0))),
            ["zero", "A", "B", "C", "D", "NP"]
        );
        assert_eq!(run(bx((30.0, -50.0), (45.0, -35.0))), ["B"]);
        assert!(run(bx((-45.05, -10.2), (-35.24, 5.02))).is_empty());
        // … and the bottom edge of this one bulges north of the origin.
        assert_eq!(run(bx((-74.0, 2.0), (60.0, 60.0))), ["A", "D"]);
        assert_eq!(
            run(poly(
                &[
                    (-2.0, -2.0),
                    (3.45, -4.23),
                    (2.56, 4.62),
                    (-3.23, 2.5),
                    (-2.0, -2.0)
                ],
                &[]
            )),
            ["zero"]
        );
        let tri = [(50.0, -50.0), (55.0, 55.0), (1.0, 1.0), (50.0, -50.0)];
        assert_eq!(run(poly(&tri, &[])), ["A", "B"]);
        // The other orientation encloses the same (smaller) region.
        let inverted = [(50.0, -50.0), (1.0, 1.0), (55.0, 55.0), (50.0, -50.0)];
        assert_eq!(run(poly(&inverted, &[])), ["A", "B"]);
        assert!(run(poly(
            &[(-20.0, -20.0), (-10.0, 10.0), (-50.0, 0.0), (-20.0, -20.0)],
            &[]
        ))
        .is_empty());
        let square = [
            (-44.0, -44.0),
            (44.0, -44.0),
            (44.0, 44.0),
            (-44.0, 44.0),
            (-44.0, -44.0),
        ];
        let hole1 = [
            (-1.0, -1.0),
            (-1.0, 1.0),
            (1.0, 1.0),
            (1.0, -1.0),
            (-1.0, -1.0),
        ];
        let hole2 = [
            (-31.0, -31.0),
            (-28.0, -31.0),
            (-28.0, -28.0),
            (-31.0, -28.0),
            (-31.0, -31.0),
        ];
        assert_eq!(run(poly(&square, &[&hole1])), ["B", "C", "D"]);
        assert_eq!(run(poly(&square, &[&hole1, &hole2])), ["B", "D"]);
        let crossing = poly(
            &[
                (50.0, -50.0),
                (55.0, 55.0),
                (-50.0, 50.0),
                (70.0, -25.0),
                (50.0, -50.0),
            ],
            &[],
        );
        assert!(validate(&crossing)
            .unwrap_err()
            .contains("edges 0 and 2 cross"));
    }

    #[test]
    fn degenerate_rings_enclose_nothing() {
        for outer in [
            vec![],
            vec![pt(0.0, 0.0)],
            vec![pt(0.0, 0.0), pt(1.0, 1.0), pt(0.0, 0.0)],
        ] {
            let shape = GeoShape::Polygon {
                outer,
                holes: vec![vec![]],
            };
            assert!(!contains(&shape, &pt(0.0, 0.0)));
        }
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

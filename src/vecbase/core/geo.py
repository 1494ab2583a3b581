"""Geo predicates on arrays of coordinates (haversine radius, bounding box, polygon)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vecbase.core.filter import GeoBoundingBox, GeoPoint, GeoPolygon, GeoRadius

EARTH_RADIUS_M = 6371008.8
F64 = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


def haversine(lat: F64, lon: F64, center: GeoPoint) -> F64:
    lat1, lon1 = np.radians(lat), np.radians(lon)
    lat2, lon2 = np.radians(center.lat), np.radians(center.lon)
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    dist: F64 = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return dist


def in_radius(lat: F64, lon: F64, geo: GeoRadius) -> Mask:
    return haversine(lat, lon, geo.center) < geo.radius


def in_box(lat: F64, lon: F64, geo: GeoBoundingBox) -> Mask:
    tl, br = geo.top_left, geo.bottom_right
    if tl.lon > br.lon:  # crosses the antimeridian
        lon_ok = (lon > tl.lon) | (lon < br.lon)
    else:
        lon_ok = (lon > tl.lon) & (lon < br.lon)
    result: Mask = lon_ok & (lat < tl.lat) & (lat > br.lat)
    return result


def _in_ring(lat: F64, lon: F64, ring: tuple[GeoPoint, ...], boundary_inside: bool) -> Mask:
    pts = list(ring)
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]
    inside = np.zeros(lat.shape, dtype=bool)
    on_edge = np.zeros(lat.shape, dtype=bool)
    j = len(pts) - 1
    # ray casting with x = lat, y = lon, matching Qdrant's (lat, lon) ordering
    for i in range(len(pts)):
        xi, yi, xj, yj = pts[i].lat, pts[i].lon, pts[j].lat, pts[j].lon
        on_edge |= (
            (lon * (xi - xj) + yi * (xj - lat) + yj * (lat - xi) == 0)
            & ((xi - lat) * (xj - lat) <= 0)
            & ((yi - lon) * (yj - lon) <= 0)
        )
        crosses = (yi > lon) != (yj > lon)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = (xj - xi) * (lon - yi) / (yj - yi) + xi
        inside ^= crosses & (lat < x_at)
        j = i
    return np.where(on_edge, boundary_inside, inside)


def in_polygon(lat: F64, lon: F64, geo: GeoPolygon) -> Mask:
    result = _in_ring(lat, lon, geo.exterior, False)
    for hole in geo.interiors:
        result &= ~_in_ring(lat, lon, hole, True)
    return result


def geo_mask(lat: F64, lon: F64, geo: GeoBoundingBox | GeoRadius | GeoPolygon) -> Mask:
    if isinstance(geo, GeoRadius):
        return in_radius(lat, lon, geo)
    if isinstance(geo, GeoBoundingBox):
        return in_box(lat, lon, geo)
    return in_polygon(lat, lon, geo)

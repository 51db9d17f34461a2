import type { Point, ServiceArea } from './views';

const KM_PER_DEGREE_LAT = 111.32;

/** The map's square, in SVG units, with the service area's circle inside it and a margin around. */
export const MAP_SIZE = 1000;
const MARGIN = 1.15;

const kmPerDegreeLng = (area: ServiceArea) =>
  KM_PER_DEGREE_LAT * Math.cos((area.center.lat * Math.PI) / 180);

const unitsPerKm = (area: ServiceArea) => MAP_SIZE / (2 * area.radiusKm * MARGIN);

/**
 * An equirectangular projection around the area's centre: over a city's few kilometres it is as
 * good as any, and needs no map library or tiles.
 */
export const toMap = (area: ServiceArea, point: Point): { x: number; y: number } => {
  const scale = unitsPerKm(area);
  return {
    x: MAP_SIZE / 2 + (point.lng - area.center.lng) * kmPerDegreeLng(area) * scale,
    y: MAP_SIZE / 2 - (point.lat - area.center.lat) * KM_PER_DEGREE_LAT * scale,
  };
};

export const fromMap = (area: ServiceArea, x: number, y: number): Point => {
  const scale = unitsPerKm(area);
  return {
    lat: area.center.lat - (y - MAP_SIZE / 2) / scale / KM_PER_DEGREE_LAT,
    lng: area.center.lng + (x - MAP_SIZE / 2) / scale / kmPerDegreeLng(area),
  };
};

/** The area's radius in SVG units. */
export const radiusOnMap = (area: ServiceArea): number => area.radiusKm * unitsPerKm(area);

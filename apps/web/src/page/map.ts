import { MAP_SIZE, radiusOnMap, toMap } from '../domain/area';
import type { Point, ServiceArea } from '../domain/views';

const SVG = 'http://www.w3.org/2000/svg';

export const svgElement = <K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number>,
): SVGElementTagNameMap[K] => {
  const created = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) created.setAttribute(name, String(value));
  return created;
};

/**
 * The service area drawn from its centre and radius: a circle on a 2 km grid, with a north arrow.
 * Returns the SVG and a layer to draw markers on.
 */
export const drawArea = (
  area: ServiceArea,
  label: string,
): { svg: SVGSVGElement; markers: SVGGElement } => {
  const svg = svgElement('svg', { viewBox: `0 0 ${MAP_SIZE} ${MAP_SIZE}`, role: 'img' });
  const title = svgElement('title', {});
  title.textContent = label;
  svg.append(title);
  const centre = MAP_SIZE / 2;
  const kmUnits = radiusOnMap(area) / area.radiusKm;
  const step = 2 * kmUnits;
  for (let offset = step; centre - offset > 0; offset += step) {
    for (const at of [centre - offset, centre + offset]) {
      svg.append(svgElement('line', { x1: at, y1: 0, x2: at, y2: MAP_SIZE, class: 'grid-line' }));
      svg.append(svgElement('line', { x1: 0, y1: at, x2: MAP_SIZE, y2: at, class: 'grid-line' }));
    }
  }
  svg.append(svgElement('circle', { cx: centre, cy: centre, r: radiusOnMap(area), class: 'area' }));
  const north = svgElement('text', { x: 24, y: 44, class: 'label' });
  north.textContent = `N ↑   grid 2 km   area ${area.radiusKm} km around ${area.center.lat.toFixed(3)}, ${area.center.lng.toFixed(3)}`;
  svg.append(north);
  const markers = svgElement('g', {});
  svg.append(markers);
  return { svg, markers };
};

export const marker = (
  area: ServiceArea,
  point: Point,
  className: string,
  radius: number,
): SVGCircleElement => {
  const { x, y } = toMap(area, point);
  return svgElement('circle', { cx: x, cy: y, r: radius, class: className });
};

/** The map coordinates of a click, whatever size the SVG is drawn at. */
export const clickedAt = (svg: SVGSVGElement, event: MouseEvent): { x: number; y: number } => {
  const box = svg.getBoundingClientRect();
  return {
    x: ((event.clientX - box.left) / box.width) * MAP_SIZE,
    y: ((event.clientY - box.top) / box.height) * MAP_SIZE,
  };
};

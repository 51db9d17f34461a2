import { MAP_SIZE, fromMap, radiusOnMap, toMap } from './area';

const area = { center: { lat: 40.7306, lng: -73.9352 }, radiusKm: 15 };

describe('map projection', () => {
  it("when the area's centre is drawn, then it is in the middle of the map", () => {
    expect(toMap(area, area.center)).toEqual({ x: MAP_SIZE / 2, y: MAP_SIZE / 2 });
  });

  it('when a point is drawn and read back, then it is the same point, north up and east right', () => {
    const point = { lat: 40.79, lng: -73.9 };

    const drawn = toMap(area, point);
    const read = fromMap(area, drawn.x, drawn.y);

    expect(drawn.x).toBeGreaterThan(MAP_SIZE / 2);
    expect(drawn.y).toBeLessThan(MAP_SIZE / 2);
    expect(read.lat).toBeCloseTo(point.lat, 9);
    expect(read.lng).toBeCloseTo(point.lng, 9);
  });

  it('when the area is drawn, then it fits inside the map with a margin', () => {
    expect(radiusOnMap(area)).toBeLessThan(MAP_SIZE / 2);
    expect(radiusOnMap(area)).toBeGreaterThan(MAP_SIZE / 2.5);
  });
});

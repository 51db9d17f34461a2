import { fromMap } from '../domain/area';
import type { FieldErrors, Point, RideUpdate, ServiceArea } from '../domain/views';
import { byId, element, timeOf } from './dom';
import { clickedAt, drawArea, marker, svgElement } from './map';
import { toMap } from '../domain/area';

const COORDINATE_FIELDS = ['pickup.lat', 'pickup.lng', 'dropoff.lat', 'dropoff.lng'] as const;

const inputFor = (field: string) =>
  document.querySelector<HTMLInputElement | HTMLSelectElement>(`#ride-form [name="${field}"]`);

/** Numbers typed as numbers; anything else goes as typed, for the API to name what is wrong. */
const valueOf = (field: string): string | number => {
  const raw = inputFor(field)?.value.trim() ?? '';
  const number = Number(raw);
  return raw !== '' && Number.isFinite(number) ? number : raw;
};

const rideRequest = () => ({
  customerId: valueOf('customerId'),
  customerEmail: valueOf('customerEmail'),
  pickup: { lat: valueOf('pickup.lat'), lng: valueOf('pickup.lng') },
  dropoff: { lat: valueOf('dropoff.lat'), lng: valueOf('dropoff.lng') },
  passengers: valueOf('passengers'),
  paymentToken: valueOf('paymentToken'),
  vehicleClass: valueOf('vehicleClass'),
});

const clearErrors = () => {
  for (const error of document.querySelectorAll('#ride-form .error')) error.textContent = '';
  for (const input of document.querySelectorAll('#ride-form [aria-invalid]')) {
    input.removeAttribute('aria-invalid');
  }
};

/** Each field error beside its field; errors on fields the form does not have, above the button. */
const showErrors = (answer: FieldErrors) => {
  const unplaced: string[] = [];
  for (const { field, message } of answer.fields ?? []) {
    const input = inputFor(field);
    const error = document.getElementById(`${field}-error`);
    if (!input || !error) {
      unplaced.push(`${field}: ${message}`);
      continue;
    }
    error.textContent = message;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', error.id);
  }
  byId('form-error').textContent = [answer.message, ...unplaced].join(' — ');
  document.querySelector<HTMLElement>('#ride-form [aria-invalid="true"]')?.focus();
};

const money = (fare: { amount: number; currency: string }) =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency: fare.currency }).format(
    fare.amount / 100,
  );

const describe = (update: RideUpdate): string => {
  switch (update.status) {
    case 'requested':
      return `Requested at ${timeOf(update.at)}`;
    case 'confirmed':
      return `Confirmed: ${update.driver} in a ${update.vehicle}, pickup in about ${Math.max(1, Math.round(update.etaSeconds / 60))} min, fare ${money(update.fare)}`;
    case 'rejected':
      return `Rejected (${update.reason}): ${update.detail}`;
    case 'emailed':
      return `Email sent: ${update.kind} at ${timeOf(update.at)}`;
  }
};

const showStep = (update: RideUpdate) => {
  const steps = byId('ride-steps');
  if (steps.querySelector(`[data-status="${update.status}"]`)) return;
  const item = element('li', describe(update), update.status);
  item.dataset['status'] = update.status;
  steps.append(item);
};

let following: EventSource | undefined;

const follow = (rideId: string, requestedAt: string) => {
  following?.close();
  const steps = byId('ride-steps');
  steps.replaceChildren();
  steps.dataset['rideId'] = rideId;
  showStep({ rideId, status: 'requested', at: requestedAt });
  following = new EventSource(`/api/rides/${rideId}/updates`);
  following.addEventListener('ride', (message) => {
    const update = JSON.parse((message as MessageEvent<string>).data) as RideUpdate;
    showStep(update);
    if (update.status === 'emailed') following?.close();
  });
};

const submit = async (event: SubmitEvent) => {
  event.preventDefault();
  clearErrors();
  const button = byId<HTMLButtonElement>('submit');
  button.disabled = true;
  try {
    const response = await fetch('/api/rides', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rideRequest()),
    });
    const answer = (await response.json()) as FieldErrors & {
      rideId?: string;
      requestedAt?: string;
    };
    if (response.status === 202 && answer.rideId)
      follow(answer.rideId, answer.requestedAt ?? new Date().toISOString());
    else showErrors(answer);
  } catch {
    byId('form-error').textContent = 'The page could not reach its server; try again.';
  } finally {
    button.disabled = false;
  }
};

const setPoint = (prefix: 'pickup' | 'dropoff', point: Point) => {
  const lat = inputFor(`${prefix}.lat`);
  const lng = inputFor(`${prefix}.lng`);
  if (lat) lat.value = point.lat.toFixed(5);
  if (lng) lng.value = point.lng.toFixed(5);
};

const pointOf = (prefix: 'pickup' | 'dropoff'): Point | undefined => {
  const lat = Number(inputFor(`${prefix}.lat`)?.value);
  const lng = Number(inputFor(`${prefix}.lng`)?.value);
  return Number.isFinite(lat) && Number.isFinite(lng) ? { lat, lng } : undefined;
};

/** The booking view: a map to pick the trip on, the form, and the ride's steps as they happen. */
export const startBooking = (area: ServiceArea) => {
  const { svg, markers } = drawArea(
    area,
    'Service area: click to set the pickup, then the drop-off',
  );
  byId('book-map').append(svg);
  setPoint('pickup', { lat: area.center.lat + 0.0053, lng: area.center.lng - 0.0559 });
  setPoint('dropoff', { lat: area.center.lat - 0.0524, lng: area.center.lng - 0.009 });

  const redraw = () => {
    markers.replaceChildren();
    const pickup = pointOf('pickup');
    const dropoff = pointOf('dropoff');
    if (pickup && dropoff) {
      const from = toMap(area, pickup);
      const to = toMap(area, dropoff);
      markers.append(
        svgElement('line', { x1: from.x, y1: from.y, x2: to.x, y2: to.y, class: 'route' }),
      );
    }
    if (pickup) markers.append(marker(area, pickup, 'pickup', 16));
    if (dropoff) markers.append(marker(area, dropoff, 'dropoff', 16));
  };

  let next: 'pickup' | 'dropoff' = 'pickup';
  svg.addEventListener('click', (event) => {
    const { x, y } = clickedAt(svg, event);
    setPoint(next, fromMap(area, x, y));
    next = next === 'pickup' ? 'dropoff' : 'pickup';
    redraw();
  });
  for (const field of COORDINATE_FIELDS) inputFor(field)?.addEventListener('input', redraw);
  byId<HTMLFormElement>('ride-form').addEventListener('submit', (event) => void submit(event));
  redraw();
};

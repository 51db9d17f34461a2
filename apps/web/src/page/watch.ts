import type { OperationsView, ServiceArea } from '../domain/views';
import { byId, element, row, timeOf } from './dom';
import { drawArea, marker } from './map';

const showRates = (rates: OperationsView['ratePerSecond']) => {
  const highest = Math.max(1, ...Object.values(rates));
  byId('rates')
    .querySelector('tbody')
    ?.replaceChildren(
      ...Object.entries(rates).map(([topic, rate]) => {
        const tr = row([topic, rate]);
        tr.dataset['topic'] = topic;
        const bar = element('span', '', 'bar');
        bar.style.width = `${Math.round((rate / highest) * 5)}rem`;
        const cell = element('td');
        cell.append(bar);
        tr.append(cell);
        return tr;
      }),
    );
};

const showOutcomes = ({ confirmed, rejected, rejectionsByReason }: OperationsView['outcomes']) => {
  byId('confirmed-count').textContent = String(confirmed);
  byId('rejected-count').textContent = String(rejected);
  const total = confirmed + rejected;
  byId('confirmed-bar').style.width = total === 0 ? '0' : `${(confirmed / total) * 100}%`;
  byId('rejection-reasons').replaceChildren(
    ...Object.entries(rejectionsByReason).map(([reason, count]) =>
      element('li', `${reason}: ${count}`),
    ),
  );
};

const showLag = (lag: OperationsView['lag']) => {
  const body = byId('lag').querySelector('tbody');
  body?.replaceChildren(
    ...(lag.length === 0
      ? [row(['no group has committed offsets yet', '', '', ''])]
      : lag.map((entry) => row([entry.groupId, entry.topic, entry.partition, entry.lag]))),
  );
};

const showRecent = (recent: OperationsView['recent']) => {
  byId('recent')
    .querySelector('tbody')
    ?.replaceChildren(
      ...recent.map((event) =>
        row([
          timeOf(event.at),
          event.topic,
          event.partition,
          event.offset,
          event.type,
          event.rideId.slice(0, 8),
        ]),
      ),
    );
};

/** The operations view: redrawn from each update the server streams. */
export const startWatching = (area: ServiceArea) => {
  const { svg, markers } = drawArea(area, 'Drivers in the service area: busy and free');
  byId('drivers-map').append(svg);
  const source = new EventSource('/api/operations');
  source.addEventListener('operations', (message) => {
    const view = JSON.parse((message as MessageEvent<string>).data) as OperationsView;
    byId('watch-since').textContent =
      `Live, updated ${timeOf(view.at)}. Counts since the page's server started.`;
    showRates(view.ratePerSecond);
    showOutcomes(view.outcomes);
    showLag(view.lag);
    showRecent(view.recent);
    const { busy, free, shards } = view.drivers;
    byId('busy-count').textContent = String(busy.length);
    byId('free-count').textContent = String(free.length);
    byId('shards-reported').textContent =
      shards.reported === shards.total
        ? ''
        : `Drivers of ${shards.reported} of ${shards.total} shards: the others have decided no ride yet.`;
    markers.replaceChildren(
      ...free.map((driver) => marker(area, driver, 'free', 9)),
      ...busy.map((driver) => marker(area, driver, 'busy', 11)),
    );
  });
};

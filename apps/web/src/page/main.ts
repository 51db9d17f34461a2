import type { ServiceArea } from '../domain/views';
import { startBooking } from './book';
import { byId } from './dom';
import { startWatching } from './watch';

const VIEWS = ['book', 'watch'] as const;

/** Two views on one page, chosen by the URL's hash, so each has an address to share or bookmark. */
const showView = () => {
  const current = VIEWS.find((view) => location.hash === `#${view}`) ?? 'book';
  for (const view of VIEWS) {
    byId(view).hidden = view !== current;
    const link = byId(`nav-${view}`);
    if (view === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
};

const main = async () => {
  window.addEventListener('hashchange', showView);
  showView();
  const area = (await (await fetch('/api/area')).json()) as ServiceArea;
  startBooking(area);
  startWatching(area);
  document.body.dataset['ready'] = 'true';
};

void main();

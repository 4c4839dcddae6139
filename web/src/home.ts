/** The landing page: it only shows which backend this browser gets. */
import { showBackend } from './backend.js';

void showBackend().then(() => { document.documentElement.dataset.ready = 'true'; });

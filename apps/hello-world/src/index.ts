// The tour, for tests.
export type { TourOptions } from './tour.js';
export { runTour, TOUR_STEPS } from './tour.js';

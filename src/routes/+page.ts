// `/` is prerendered as the app shell that the service worker precaches and serves for every
// navigation (workbox navigateFallback).
export const prerender = true;

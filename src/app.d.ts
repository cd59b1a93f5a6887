// See https://svelte.dev/docs/kit/types#app.d.ts
/// <reference types="vite-plugin-pwa/vanillajs" />

declare global {
	namespace App {
		interface Error {
			message: string;
			code?: string;
		}
		// interface Locals {}  — owned by the server hooks (src/hooks.server.ts)
		// interface PageData {}
		// interface PageState {}
		// interface Platform {}
	}
}

export {};

// Dark by default; the light choice is remembered in localStorage. The theme is an attribute
// on <html> so the CSS tokens in app.css switch in one place.
export type ThemeName = 'dark' | 'light';

const KEY = 'outpost.theme';
const THEME_COLOR: Record<ThemeName, string> = { dark: '#0b1120', light: '#f4f6fb' };

function stored(): ThemeName {
	try {
		return globalThis.localStorage?.getItem(KEY) === 'light' ? 'light' : 'dark';
	} catch {
		return 'dark';
	}
}

class Theme {
	current = $state<ThemeName>(stored());

	constructor() {
		this.#apply();
	}

	set(name: ThemeName) {
		this.current = name;
		try {
			globalThis.localStorage?.setItem(KEY, name);
		} catch {
			// private mode: the choice lasts for this page only
		}
		this.#apply();
	}

	toggle() {
		this.set(this.current === 'dark' ? 'light' : 'dark');
	}

	#apply() {
		if (typeof document === 'undefined') return;
		document.documentElement.dataset.theme = this.current;
		document.querySelector('meta[name="theme-color"]')?.setAttribute('content', THEME_COLOR[this.current]);
	}
}

export const theme = new Theme();

export const THEME_KEY = 'fleetbench-theme';

/** Inline script for <head>: applies the stored theme before the first paint (no flash). */
export const THEME_SCRIPT = `try{var t=localStorage.getItem('${THEME_KEY}');if(t==='light'||t==='dark')document.documentElement.dataset.theme=t}catch(e){}`;

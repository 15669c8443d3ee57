// Modal dialogs keep the keyboard: Tab past the last control comes back to the first, and
// Shift+Tab before the first goes to the last, so the focus never leaves for the browser's
// own controls while the page behind is inert. (Escape, and giving the focus back to the
// button that opened a dialog, are the browser's and each page's own.)
const FOCUSABLE = 'a[href], button, input, select, textarea, summary, iframe, [tabindex]:not([tabindex="-1"])';

function focusable(dialog) {
  return [...dialog.querySelectorAll(FOCUSABLE)].filter(
    (node) => !node.disabled && !node.closest('[hidden], [inert]') && node.getClientRects().length > 0,
  );
}

document.addEventListener('keydown', (event) => {
  if (event.key !== 'Tab') return;
  const dialog = document.querySelector('dialog:modal');
  if (!dialog) return;
  const controls = focusable(dialog);
  if (controls.length === 0) {
    event.preventDefault();
    return;
  }
  const first = controls[0];
  const last = controls[controls.length - 1];
  const inside = dialog.contains(document.activeElement);
  if (event.shiftKey && (document.activeElement === first || !inside)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (document.activeElement === last || !inside)) {
    event.preventDefault();
    first.focus();
  }
});

// Enter and Space press what looks like a button but is not a <button> (the canvas's clickable
// cards, badges, and dialog and lightbox triggers carry role="button"), as they do a real one.
// One listener for the page, so no element needs a handler of its own.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.key !== "Enter" && event.key !== " ") return;
  if (!(target instanceof HTMLElement) || target.matches("button, a, input, textarea, select")) return;
  if (target.getAttribute("role") !== "button" || event.repeat) return;
  event.preventDefault();
  target.click();
});

// Small comforts for the pages, which work without them: the version slider shows
// the version it points at, and shows that version when the pointer lets go.
document.addEventListener("DOMContentLoaded", () => {
  for (const slider of document.querySelectorAll(".version-picker input[type=range]")) {
    const shown = document.getElementById(slider.getAttribute("aria-describedby"));
    slider.addEventListener("input", () => { shown.value = slider.value; });
    // Let go of by pointer only: a keyboard user moves on with the button.
    slider.addEventListener("pointerup", () => { slider.form.requestSubmit(); });
  }
});

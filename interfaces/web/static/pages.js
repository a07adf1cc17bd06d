// Small comforts for the pages, which work without them: the version slider shows
// the version it points at (its button shows that version: a control never
// navigates on its own); a refused form's refusal gets the focus, else a status
// message (recorded, verified) does, in view and read out; the browser's own checks are listed at the
// top of the form, all at once; a field typed by another shows only its chosen input.
document.addEventListener("DOMContentLoaded", () => {
  for (const slider of document.querySelectorAll(".version-picker input[type=range]")) {
    const shown = document.getElementById(slider.getAttribute("aria-describedby"));
    slider.addEventListener("input", () => { shown.value = slider.value; });
  }

  // The page lands on the refusal by its address (#refusal); the focus goes there
  // too, so that the keyboard and a screen reader start from it.
  const refusal = document.querySelector(".refusal[tabindex='-1']:not([hidden])");
  const status = document.querySelector("[role=status][tabindex='-1'], #verdict");
  const landing = status && status.closest("[id][tabindex='-1']:not([role=status])");
  if (refusal) {
    refusal.focus();
  } else if (landing) {
    landing.focus();  // where the page lands, the status its first words
  } else if (status) {
    status.focus();
  }

  for (const summary of document.querySelectorAll(".refusal[data-heading]")) {
    listProblems(summary.closest("form"), summary);
  }
  for (const group of document.querySelectorAll("fieldset.typed[data-typed-by]")) {
    showChosen(group);
  }
});

// The words of a field's label (without "(required)"), or of its group's legend.
function labelOf(field) {
  const group = field.type === "radio" || field.type === "checkbox";
  const label = group ? field.closest("fieldset").querySelector("legend") : field.labels[0];
  if (!label) {
    return field.name;
  }
  const words = label.cloneNode(true);
  for (const extra of words.querySelectorAll(".required")) {
    extra.remove();
  }
  return words.textContent.trim();
}

function problemOf(field, words) {
  const validity = field.validity;
  if (validity.valueMissing) {
    if (field.type === "radio" && field.value === "true") return words.yesNo;
    if (field.type === "radio" || field.tagName === "SELECT") return words.choose;
    return words.missing;
  }
  if (validity.badInput) return field.type === "date" ? words.notDate : words.notNumber;
  if (validity.rangeUnderflow) return words.tooSmall;
  if (validity.rangeOverflow) return words.tooLarge;
  if (validity.stepMismatch) return field.step === "1" ? words.whole : words.decimals;
  if (validity.tooLong) return words.tooLong;
  if (validity.patternMismatch || validity.typeMismatch) return words.format;
  return field.validationMessage;
}

// When the browser's checks stop a form, each field they refuse is marked and
// listed in the form's summary, with a link to it; the browser still shows its own
// message at the first.
function listProblems(form, summary) {
  if (!form) {
    return;
  }
  let refused = [];
  let pending = false;
  form.addEventListener("invalid", (event) => {
    refused.push(event.target);
    if (pending) {
      return;
    }
    pending = true;
    setTimeout(() => {
      show(form, summary, refused);
      refused = [];
      pending = false;
    }, 0);
  }, true);
}

function show(form, summary, refused) {
  for (const marked of form.querySelectorAll("[data-refused]")) {
    marked.removeAttribute("aria-invalid");
    marked.removeAttribute("data-refused");
  }
  const list = document.createElement("ul");
  const seen = new Set();
  for (const field of refused) {
    if (seen.has(field.name)) {
      continue;
    }
    seen.add(field.name);
    const group = field.type === "radio" || field.type === "checkbox";
    const target = group ? field.closest("fieldset") : field;
    target.setAttribute("aria-invalid", "true");
    target.setAttribute("data-refused", "true");
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = "#" + target.id;
    link.textContent = labelOf(field) + ": " + problemOf(field, summary.dataset);
    item.append(link);
    list.append(item);
  }
  const heading = document.createElement("p");
  heading.className = "reason";
  heading.textContent = summary.dataset.heading;
  summary.replaceChildren(heading, list);
  summary.hidden = false;
  // The list in view, with the focus, as after a refusal from the server.
  summary.focus();
}

// A field typed by another (a correction's new value): only the input of the chosen
// field shows, is sent and is checked; with nothing chosen, none.
function showChosen(group) {
  const naming = group.form.elements.namedItem(group.dataset.typedBy);
  if (!naming) {
    return;
  }
  const hint = group.querySelector(".hint");
  const update = () => {
    for (const alternative of group.querySelectorAll(".alternative")) {
      const chosen = alternative.dataset.when === naming.value;
      alternative.hidden = !chosen;
      for (const input of alternative.querySelectorAll("input, select, textarea")) {
        input.disabled = !chosen;
        input.required = chosen && input.dataset.required === "true";
      }
    }
    if (hint) {
      hint.textContent = group.dataset.chooseFirst;
      hint.hidden = naming.value !== "";
    }
  };
  naming.addEventListener("change", update);
  update();
}

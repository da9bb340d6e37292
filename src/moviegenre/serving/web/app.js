// The page's only script: send the form to POST /predict (multipart) and draw the answer as bars.
// When the service wants an API key (/health says so), the key typed here is kept in this
// browser's localStorage and sent as "Authorization: Bearer <key>".
"use strict";

const KEY_STORE = "moviegenre-api-key";
const keyRow = document.getElementById("api-key-row");
const keyInput = document.getElementById("api-key");

const form = document.getElementById("movie-form");
const statusLine = document.getElementById("status");
const button = document.getElementById("submit");
const posterInput = document.getElementById("poster");
const preview = document.getElementById("poster-preview");

function setStatus(text, isError) {
  statusLine.textContent = text;
  statusLine.className = isError ? "error" : "";
}

// One bar: name, a filled track, the value as a percentage. Built with DOM calls (no innerHTML)
// so text typed by the user can never become markup.
function bar(name, value, highlighted) {
  const row = document.createElement("div");
  row.className = "bar" + (highlighted ? " predicted" : "");
  row.dataset.name = name;
  const label = document.createElement("span");
  label.className = "name";
  label.textContent = name;
  const track = document.createElement("span");
  track.className = "track";
  const fill = document.createElement("span");
  fill.className = "fill";
  fill.style.display = "block";
  fill.style.width = (Math.max(0, Math.min(1, value)) * 100).toFixed(1) + "%";
  track.appendChild(fill);
  const pct = document.createElement("span");
  pct.className = "value";
  pct.textContent = (value * 100).toFixed(0) + "%";
  row.append(label, track, pct);
  return row;
}

function render(result) {
  const predicted = new Set(result.genres);
  const genreBars = document.getElementById("genre-bars");
  genreBars.replaceChildren(
    ...Object.entries(result.scores)
      .sort((a, b) => b[1] - a[1])
      .map(([genre, p]) => bar(genre, p, predicted.has(genre))));
  document.getElementById("predicted").textContent =
    result.genres.length ? "Predicted: " + result.genres.join(", ") : "No genre passes its threshold.";
  const weightsSection = document.getElementById("weights-section");
  if (result.weights) {
    document.getElementById("weight-bars").replaceChildren(
      ...Object.entries(result.weights).map(([input, w]) => bar(input, w, false)));
    weightsSection.hidden = false;
  } else {
    weightsSection.hidden = true;
  }
  document.getElementById("results").hidden = false;
}

posterInput.addEventListener("change", () => {
  const file = posterInput.files[0];
  if (file) {
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
  } else {
    preview.hidden = true;
  }
});

function showKeyField() {
  keyRow.hidden = false;
  keyInput.value = localStorage.getItem(KEY_STORE) || "";
}

keyInput.addEventListener("input", () => localStorage.setItem(KEY_STORE, keyInput.value.trim()));

// The form's fields; one left empty is not sent (the service reads an empty year as a wrong year).
function formData() {
  const data = new FormData(form);
  for (const [name, value] of [...data.entries()]) {
    if (typeof value === "string" && !value.trim()) data.delete(name);
  }
  if (!posterInput.files.length) data.delete("poster");
  return data;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = formData();
  const headers = {};
  const key = localStorage.getItem(KEY_STORE);
  if (key) headers["Authorization"] = "Bearer " + key;
  button.disabled = true;
  setStatus("Predicting…", false);
  try {
    const response = await fetch("/predict", { method: "POST", body: data, headers });
    const body = await response.json().catch(() => ({ detail: response.statusText }));
    if (!response.ok) {
      setStatus("Error " + response.status + ": " + (body.detail || "request failed"), true);
      if (response.status === 401) {
        showKeyField();
        keyInput.focus();
      }
      return;
    }
    render(body);
    setStatus("", false);
  } catch (err) {
    setStatus("Could not reach the service: " + err, true);
  } finally {
    button.disabled = false;
  }
});

fetch("/health").then((r) => r.json()).then((h) => {
  document.getElementById("model-info").textContent =
    "model " + h.model + " · inputs: " + h.inputs.join(", ") + " · v" + h.version;
  if (h.api_key_required) showKeyField();
}).catch(() => {});

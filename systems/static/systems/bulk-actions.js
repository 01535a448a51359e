// The bulk-action form shows only the fields of the chosen action (without JavaScript it shows them all).
document.querySelectorAll(".bulk-actions").forEach((fieldset) => {
  const action = fieldset.querySelector("select[name=action]");
  if (!action) return;
  const show = () => {
    fieldset.querySelectorAll("[data-bulk-actions]").forEach((field) => {
      field.hidden = !field.dataset.bulkActions.split(" ").includes(action.value);
    });
  };
  action.addEventListener("change", show);
  show();
});

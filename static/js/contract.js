// The sims' contract as sims/contract.py defines it (for_pages), read from the page's config
// JSON: palette roles, geometry kinds and shapes (null: any length), a frame's limits, control
// kinds and button actions. Nothing here repeats a value of the Python side.
const { contract } = JSON.parse(document.getElementById("course-config").textContent);

export const { roles: ROLES, geometry: GEOMETRY, limits: LIMITS, controls: CONTROL_KINDS, buttons: BUTTON_ACTIONS } = contract;

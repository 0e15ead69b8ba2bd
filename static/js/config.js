// The course's settings for the browser, written into every page by the builder.
export const config = JSON.parse(document.getElementById("course-config").textContent);

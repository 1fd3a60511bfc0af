// Small enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so screen readers announce it.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
  // Ask before destructive actions.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});

// EU AI Act questionnaire: hide the questions that do not apply given the answers above
// them, walking the questions in order as the server does. Hidden inputs are disabled so
// they are not sent; without this script every question is shown and the server leaves
// out the answers to questions that do not apply.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-eu-ai-act]");
  if (!form) return;
  const questions = Array.from(form.querySelectorAll("[data-question]"));
  const holds = (condition, answers) => {
    if (condition.is) return answers[condition.is.question] === condition.is.answer;
    if (condition.chose) {
      const answer = answers[condition.chose.question];
      return Array.isArray(answer)
        ? answer.includes(condition.chose.option)
        : answer === condition.chose.option;
    }
    if (condition.all) return condition.all.every((c) => holds(c, answers));
    if (condition.any) return condition.any.some((c) => holds(c, answers));
    return true;
  };
  const answerOf = (question) => {
    const checked = Array.from(question.querySelectorAll("input:checked")).map((i) => i.value);
    if (checked.length === 0) return undefined;
    switch (question.dataset.kind) {
      case "yes_no": return checked[0] === "true" ? true : checked[0] === "false" ? false : checked[0];
      case "multiple_choice": return checked;
      default: return checked[0];
    }
  };
  const update = () => {
    const answers = {};
    for (const question of questions) {
      const condition = question.dataset.shownWhen ? JSON.parse(question.dataset.shownWhen) : null;
      const shown = condition === null || holds(condition, answers);
      question.hidden = !shown;
      for (const input of question.querySelectorAll("input")) input.disabled = !shown;
      const answer = shown ? answerOf(question) : undefined;
      if (answer !== undefined) answers[question.dataset.question] = answer;
    }
    // A heading whose questions are all hidden goes too.
    for (const heading of form.querySelectorAll("h2")) {
      let next = heading.nextElementSibling;
      let any = false;
      let counted = false;
      while (next && next.matches("[data-question]")) {
        counted = true;
        if (!next.hidden) any = true;
        next = next.nextElementSibling;
      }
      if (counted) heading.hidden = !any;
    }
  };
  form.addEventListener("change", update);
  update();
});

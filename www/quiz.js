// Predict, then reveal. With the quiz on (the `quiz` attribute of <phenomena-lab>, `quiz` in
// the iframe's or the playground's link, or the playground's "Predict first" switch), a preset
// asks its question before Play; the guess is locked in, the caption stays hidden, and at the
// run's last step the engine reads the finished run and says which choice happened and the
// numbers behind it (quizReveal), then shows the caption. Nothing here knows an answer.

import { el } from './dom.js';
import { matchesPreset } from './url-state.js';

/** The question box: asks, holds the guess, reveals. `onLock(choice)` starts the run. */
export class QuizPanel {
  constructor(uid, onLock) {
    this.uid = uid;
    this.onLock = onLock;
    this.node = el('section', { class: 'quiz', 'aria-label': 'Predict first', hidden: true });
  }

  /** Hides the box (the quiz is off). */
  hide() {
    this.node.hidden = true;
    delete this.node.dataset.state;
    this.node.replaceChildren();
  }

  /** Shows `parts` under the box's label, in state `state` (the tests and styles read it). */
  show(state, ...parts) {
    this.node.replaceChildren(el('p', { class: 'quiz-label' }, 'Predict first'), ...parts);
    this.node.hidden = false;
    this.node.dataset.state = state;
  }

  /** The question and the guess locked in for it. */
  static guessed(quiz, guess, attrs = {}) {
    return [
      el('p', { class: 'question', text: quiz.question }),
      el('p', { class: 'guess', ...attrs }, el('strong', {}, 'Your guess: '), quiz.choices[guess]),
    ];
  }

  /** Asks `quiz` ({question, choices}). */
  ask(quiz) {
    // Already asking it: keep the reader's choice (a restart re-renders, the choice stays).
    if (this.node.dataset.state === 'asking' && this.asked === quiz && !this.node.hidden) return;
    this.asked = quiz;
    const name = `${this.uid}-quiz`;
    const questionId = `${name}-question`;
    const radios = quiz.choices.map((text, i) =>
      el('label', { class: 'choice' },
        el('input', { type: 'radio', name, value: String(i) }),
        ` ${text}`),
    );
    const lock = el('button', { type: 'button', class: 'primary lock' }, 'Lock in my guess and play');
    const note = el('p', { class: 'quiz-note' }, 'Choose an answer, then press the button: the run shows what happens.');
    lock.addEventListener('click', () => {
      const picked = this.node.querySelector('input[type=radio]:checked');
      if (!picked) {
        note.textContent = 'Choose one of the answers first.';
        note.classList.add('needed');
        this.node.querySelector('input[type=radio]')?.focus();
        return;
      }
      this.onLock(Number(picked.value));
    });
    this.show('asking',
      el('fieldset', { 'aria-labelledby': questionId },
        el('legend', { id: questionId, class: 'question', text: quiz.question }),
        ...radios),
      note,
      lock,
    );
  }

  /** The guess is in; the run answers it at its end. */
  locked(quiz, guess) {
    this.show('answered',
      ...QuizPanel.guessed(quiz, guess, { tabindex: '-1' }),
      el('p', { class: 'quiz-note', role: 'status' }, 'The answer appears when the run reaches its last step.'),
    );
  }

  /** What the run answered ({choice, outcome, evidence}) against `guess`. */
  reveal(quiz, guess, result) {
    const right = result.choice === guess;
    this.show('revealed',
      ...QuizPanel.guessed(quiz, guess),
      el('p', { class: `outcome ${right ? 'right' : 'wrong'}`, role: 'status' },
        el('strong', {}, right ? 'Right. ' : 'Not this time. '),
        `What happened: ${result.outcome} — ${result.evidence}.`),
    );
  }

  /** The run does not answer (it diverged, its settings changed, …): say why. */
  unanswered(quiz, guess, why) {
    this.show('unanswered',
      ...QuizPanel.guessed(quiz, guess),
      el('p', { class: 'outcome', role: 'status' }, `No answer from this run: ${why}.`),
    );
  }

  /** The quiz is on but these settings have no question. */
  none(text) {
    this.show('none', el('p', { class: 'quiz-note', text }));
  }
}

/**
 * The quiz's part of a lab's life. `lab` is the <phenomena-lab>: its state (preset), info
 * (presets with their questions), engine (quizReveal), handle (the run's JSON) and caption.
 */
export class LabQuiz {
  constructor(lab) {
    this.lab = lab;
    this.on = false;
    this.guess = null; // {preset, choice}
    this.revealed = null; // {preset, result} once the run answered
    this.panel = new QuizPanel(lab.uid, (choice) => this.lock(choice));
  }

  /** The preset whose question applies: the chosen one, while the values are its own. */
  get preset() {
    const { state, info } = this.lab;
    const preset = info?.presets.find((p) => p.id === state?.preset) ?? null;
    return preset && matchesPreset(info, preset.id, state.params) ? preset : null;
  }

  setOn(on) {
    this.on = Boolean(on);
    this.lab.dataset.quiz = this.on ? 'on' : 'off';
    // Turned on mid-run: the run waits for the guess like a fresh one.
    if (this.waiting && this.lab.playing) this.lab.stop();
    this.update();
  }

  /** Whether Play must wait for a guess. */
  get waiting() {
    const preset = this.preset;
    return this.on && Boolean(preset?.quiz) && this.guess?.preset !== preset.id;
  }

  /** Asked before Play while waiting: moves focus to the question and says why. */
  holdPlay() {
    this.update();
    this.panel.node.querySelector('input[type=radio]')?.focus();
    const note = this.panel.node.querySelector('.quiz-note');
    if (note) {
      note.textContent = 'Choose an answer first: then the run shows what happens.';
      note.classList.add('needed');
    }
  }

  /** Locks in `choice` and plays the preset's run from its first step. */
  async lock(choice) {
    const preset = this.preset;
    if (!preset?.quiz || !Number.isInteger(choice) || choice < 0 || choice >= preset.quiz.choices.length) return;
    // The panel still shows another preset's question (a preset was picked a moment ago):
    // ask the one that applies instead of scoring a choice the reader did not see.
    if (this.panel.asked !== preset.quiz) return this.update();
    this.guess = { preset: preset.id, choice };
    this.revealed = null;
    this.update();
    this.panel.node.querySelector('.guess')?.focus();
    this.lab.dispatchEvent(new CustomEvent('quiz-answer', {
      detail: { preset: preset.id, question: preset.quiz.question, guess: choice, answer: preset.quiz.choices[choice] },
    }));
    // The guess may come before the lab's engine has started, or after a run was trained.
    const { lab } = this;
    await lab.handleReady;
    if (lab.status && lab.status.step > 0) await lab.restart();
    if (this.guess?.preset === this.preset?.id) lab.play();
  }

  /** After a restart (a new preset, Reset, changed settings): show what applies now. */
  update() {
    const { lab } = this;
    const preset = this.preset;
    const done = this.revealed?.preset === preset?.id;
    const asking = this.on && Boolean(preset?.quiz);
    // The caption gives the answer away: while a question is asked it waits for the reveal.
    const caption = lab.presetBar?.caption;
    if (caption) caption.hidden = (asking && !done) || (lab.options?.hide?.has('caption') ?? false);
    if (!this.on) return this.panel.hide();
    if (!asking) {
      return this.panel.none('Questions belong to presets, and these are custom settings (or a preset with values changed): pick a preset to be asked its question before its run.');
    }
    if (this.guess?.preset !== preset.id) this.panel.ask(preset.quiz);
    else if (done && this.revealed.result) this.panel.reveal(preset.quiz, this.guess.choice, this.revealed.result);
    else if (done) this.panel.unanswered(preset.quiz, this.guess.choice, this.revealed.why);
    else {
      this.panel.locked(preset.quiz, this.guess.choice);
      this.settle();
    }
  }

  /** A guessed run that has ended (stepped to its end, or ended while the quiz was off) reveals. */
  settle() {
    const status = this.lab.status;
    const ended = status && (status.diverged || status.step >= status.max_steps);
    if (ended && this.on && !this.revealed && this.guess?.preset === this.preset?.id) this.ended();
  }

  /**
   * What the JSON export carries: the current preset's reveal, or its guess before the end;
   * null with the quiz off or nothing guessed for this preset.
   */
  exported() {
    const current = this.preset?.id;
    if (!this.on || !current) return null;
    if (this.record?.preset === current) return this.record;
    return this.guess?.preset === current ? { preset: current, guess: this.guess.choice } : null;
  }

  /** A restart keeps the guess for the same preset but takes the reveal back. */
  restarted() {
    this.revealed = null;
    this.record = null;
    this.update();
  }

  /** At the run's end (finished or diverged): reads the run and reveals. */
  async ended() {
    const preset = this.preset;
    if (!this.on || !preset?.quiz || this.guess?.preset !== preset.id || this.revealing) return;
    this.revealing = true;
    const { lab } = this;
    let result = null;
    let why = null;
    try {
      const json = await lab.handle.json();
      result = lab.engine.wasm.quizReveal(lab.info.id, preset.id, json);
    } catch (e) {
      why = String(e?.message ?? e).replace(/\.$/, '');
    } finally {
      this.revealing = false;
    }
    if (this.preset?.id !== preset.id) return; // the preset changed meanwhile
    this.revealed = { preset: preset.id, result, why };
    this.update();
    const detail = {
      preset: preset.id,
      question: preset.quiz.question,
      guess: this.guess.choice,
      answer: preset.quiz.choices[this.guess.choice],
      choice: result?.choice ?? null,
      outcome: result?.outcome ?? null,
      evidence: result?.evidence ?? why,
      right: result ? result.choice === this.guess.choice : null,
    };
    this.record = detail;
    lab.dispatchEvent(new CustomEvent('quiz-reveal', { detail }));
  }
}

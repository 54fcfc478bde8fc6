//! The frozen-subspace lab's parameters and presets.

use super::forks::{DECAY_FORK, FORK_OPTIONS, LR_FORK};
use super::{BATCH_CITATION, CITATION, DECAY_SWEEP_CITATION, quiz};
use crate::fork::{fork_decay_param, fork_params};
use crate::lab::{ParamSpec, Preset};

pub fn schema() -> Vec<ParamSpec> {
    let mut schema = vec![
        ParamSpec {
            name: "alpha",
            label: "α = P/N (examples per parameter)",
            min: 0.05,
            max: 4.0,
            step: 0.05,
            default: 0.5,
            log: false,
            integer: false,
            help: "Number of training examples divided by the number of inputs. Below 1 part of \
                   weight space is never seen by the data (the frozen subspace); at 1 the error \
                   after long training diverges.",
            source: "Advani & Saxe, α = P/N",
            ..ParamSpec::NUMBER
        },
        ParamSpec {
            name: "n",
            label: "N (input dimension)",
            min: 20.0,
            max: 800.0,
            step: 10.0,
            default: 200.0,
            log: true,
            integer: true,
            help: "Number of inputs and of linear-student weights. Larger N follows the theory \
                   more closely but trains slower.",
            source: "Advani & Saxe, N",
            ..ParamSpec::NUMBER
        },
        ParamSpec {
            name: "snr",
            label: "SNR = σ_w̄²/σ_ε²",
            min: 0.1,
            max: 100.0,
            step: 0.1,
            default: 5.0,
            log: true,
            integer: false,
            help: "Signal-to-noise ratio of the teacher: σ_w̄² = 1 and label noise σ_ε² = 1/SNR.",
            source: "Advani & Saxe, SNR",
            ..ParamSpec::NUMBER
        },
        ParamSpec {
            name: "init_scale",
            label: "initial weight scale σ_w0",
            min: 0.0,
            max: 3.0,
            step: 0.05,
            default: 0.5,
            log: false,
            integer: false,
            help: "Standard deviation of the student's initial weights. Whatever lands in the \
                   null space of the data stays there forever and adds to the error.",
            source: "Advani & Saxe, σ_w0",
            ..ParamSpec::NUMBER
        },
        ParamSpec {
            name: "lr",
            label: "learning rate η",
            min: 1e-4,
            max: 2.0,
            step: 1e-4,
            default: 0.1,
            log: true,
            integer: false,
            help: "Gradient-descent step on ½Σ(y − ŷ)². Stable below 2/λ₊ = 2/(1 + √α)².",
            source: "discrete-time gradient descent",
            ..ParamSpec::NUMBER
        },
        ParamSpec {
            name: "weight_decay",
            label: "weight decay γ (linear students)",
            min: 0.0,
            max: 2.0,
            step: 0.01,
            default: 0.0,
            log: false,
            integer: false,
            help: "L2 penalty ½γ‖w‖² on the linear students' loss; the theory lines follow it. \
                   γ = σ_ε²/σ_w̄² (0.2 at SNR 5) is the best ridge: it removes the peak at α = 1. \
                   The network student trains without it.",
            source: "Advani & Saxe §4, weight decay",
            ..ParamSpec::NUMBER
        },
        ParamSpec {
            name: "hidden",
            label: "hidden units (network student)",
            min: 1.0,
            max: 2048.0,
            step: 1.0,
            default: 256.0,
            log: true,
            integer: true,
            help: "Width of the one-hidden-layer tanh student trained beside the linear one.",
            source: "Advani & Saxe §6, nonlinear students",
            ..ParamSpec::NUMBER
        },
        ParamSpec {
            name: "small_batch",
            label: "small batch B (0 = off)",
            max: 1000.0,
            step: 1.0,
            integer: true,
            help: "Also train two network students by mini-batch SGD with batches of B from the \
                   same initialization (each step's gradient scaled by P/B, so only its noise \
                   differs from the full batch): one for as many epochs as the full-batch \
                   student (⌊P/B⌋ updates a step; the P mod B examples left over wait for the \
                   next shuffle), one for as many updates (one a step). Smaller than P, and at \
                   most 100 updates a step.",
            source: "Hoffer, Hubara & Soudry 2017",
            ..ParamSpec::NUMBER
        },
        ParamSpec {
            name: "sweep",
            label: "α sweep",
            max: 1.0,
            step: 1.0,
            integer: true,
            options: &["off", "16 α × 4 seeds"],
            help: "Also train a linear student for each α from 0.25 to 4 in steps of 0.25, on \
                   this seed and the three after it, all in one batch, and draw their E_g \
                   against α as they train, beside the theory at the same step.",
            source: "Advani & Saxe, E_g(α, t)",
            ..ParamSpec::NUMBER
        },
        ParamSpec::steps(
            200_000.0,
            4000.0,
            "The run stops after this many gradient steps.",
        ),
        ParamSpec::seed(
            "seed",
            "One seed fixes the data, the teacher, the noise and both initializations.",
        ),
    ];
    schema.extend(fork_params(&FORK_OPTIONS, &LR_FORK, (1e-4, 2.0, 0.1)));
    schema.push(fork_decay_param(&DECAY_FORK));
    schema
}

pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            id: "frozen",
            title: "α = 0.5 (frozen subspace)",
            caption: "With half as many examples as weights, half the eigenvalues sit at zero \
                      and the null-space part of w (orange-red, chart 3) never moves: gradient \
                      descent cannot see it, so its error stays in E_g forever. The simulated \
                      E_g dips and rises like the theory line, but one seed at N = 200 scatters \
                      around it: over seeds 0–9 the linear model ends 15 % below to 10 % above \
                      the line and the wide network 12 % below to 11 % above, while the linear \
                      model's average over the ten seeds sits on it (1 % below).",
            citation: CITATION,
            quiz: quiz::FROZEN,
            values: &[("alpha", 0.5), ("init_scale", 0.5)],
        },
        Preset {
            id: "peak",
            title: "α = 1 (overtraining peak)",
            caption: "With as many examples as weights the smallest eigenvalues approach zero, \
                      so the noise is fitted along directions the teacher barely constrains: E_g \
                      falls, then climbs for a long time. Early stopping at the minimum avoids \
                      the peak; the wide network does not overtrain more than the linear one.",
            citation: CITATION,
            quiz: quiz::PEAK,
            values: &[
                ("alpha", 1.0),
                ("init_scale", 0.0),
                // Near the stability limit 2/λ₊ = 0.5, so the long climb takes 5 000 steps
                // instead of 20 000 at η = 0.1 (the same time ηk).
                ("lr", 0.4),
                ("steps", 5000.0),
            ],
        },
        Preset {
            id: "decay",
            title: "weight decay removes the peak",
            caption: "The overtraining peak's run with weight decay γ = 0.2 = σ_ε²/σ_w̄², the best \
                      ridge: the weights settle at the ridge solution instead of fitting the \
                      noise along the smallest eigenvalues. On seeds 0–9 E_g ends at 0.538 \
                      (0.482–0.624; theory 0.558) and climbs at most 2.3 % after its minimum, \
                      where without decay it ends at 5.37 and is still climbing: the best \
                      weight decay does what the best early stop does.",
            citation: CITATION,
            quiz: quiz::DECAY,
            values: &[
                ("alpha", 1.0),
                ("init_scale", 0.0),
                ("lr", 0.4),
                ("steps", 5000.0),
                ("weight_decay", 0.2),
            ],
        },
        Preset {
            id: "well",
            title: "α = 4 (well-determined)",
            caption: "With four examples per weight every direction is constrained and the \
                      spectrum stays away from zero, so there is no frozen subspace: E_g falls \
                      to its minimum within 10–14 steps and ends at σ_ε²·α/(α−1) ≈ 0.27 (within \
                      5 % on all 10 seeds). The slight rise in between, 1–3 % (1.4 % in the \
                      theory), is all that early stopping could gain.",
            citation: CITATION,
            quiz: quiz::WELL,
            values: &[("alpha", 4.0), ("init_scale", 0.0), ("steps", 1000.0)],
        },
        Preset {
            id: "large-init",
            title: "large init hurts",
            caption: "Large initial weights put error into the null space that training can \
                      never remove: the orange-red curve in chart 3 is flat and E_g stays above \
                      (1−α)(σ_w0² + σ_w̄²). Small initial weights are the cure.",
            citation: CITATION,
            quiz: quiz::LARGE_INIT,
            values: &[("alpha", 0.5), ("init_scale", 1.5)],
        },
        Preset {
            id: "sweep",
            title: "α sweep: the peak forms",
            caption: "Sixty-four linear students, sixteen values of α from 0.25 to 4 on four \
                      seeds each, train in one batch, and chart 4 draws their E_g against α at \
                      the current step (blue dots, the mean over the seeds) beside the theory at \
                      that step (dashed). In the first steps E_g falls at every α; then the \
                      students at α = 1 fit the noise along their smallest eigenvalues and a \
                      peak rises there, the sweep's highest point on all ten seeds 0–9 tried, at \
                      1.7–3.3 by step 5 000 where the theory for N → ∞ gives 3.7 (at N = 100 the \
                      peak is smeared).",
            citation: CITATION,
            quiz: quiz::SWEEP,
            values: &[
                ("sweep", 1.0),
                ("alpha", 1.0),
                ("n", 100.0),
                ("init_scale", 0.0),
                ("lr", 0.15),
                ("hidden", 32.0),
                ("steps", 5000.0),
            ],
        },
        Preset {
            id: "batch-size",
            title: "batch size: epochs or updates?",
            caption: "The wide network student trained full-batch beside two copies trained \
                      by SGD with batches of 20 (gradients scaled by P/B): one for as many \
                      epochs, taking ten updates for each of the full batch's, and one for as \
                      many updates. Drawn against updates (chart 5), the three curves nearly \
                      agree. Seeds 0–9: after 5 epochs the full batch's E_g (0.94) is 0.28 \
                      higher than the small batch's (0.21–0.45 over the seeds); after as many updates the \
                      difference is at most 0.11 either way (small batch higher at 5 updates, \
                      lower by 0.014 at 50), and after 500 epochs 0.010. The gap comes from \
                      the number of updates, as Hoffer et al. argue; the batch's noise adds \
                      little in this toy.",
            citation: BATCH_CITATION,
            quiz: quiz::BATCH_SIZE,
            values: &[
                ("alpha", 1.0),
                ("init_scale", 0.0),
                ("small_batch", 20.0),
                ("steps", 500.0),
            ],
        },
        Preset {
            id: "decay-sweep",
            title: "α sweep with and without weight decay",
            caption: "The α sweep twice, on the same data: with weight decay γ = 0.2 (blue) and \
                      without (grey). Without it the peak at α = 1 forms as in the sweep \
                      preset; with it there is none. With many examples per weight the two \
                      sweeps meet and weight decay stops mattering: Xiao's data-rich regime. \
                      Sweeps from seeds 0–9 at step 3 000: without decay E_g peaks at α = 1 \
                      (1.6–2.9); with it E_g there is 0.55–0.62, 66–80 % lower, and the highest \
                      point is α = 0.25. The gain falls under 5 % from α = 2.5–3 (theory, \
                      training forever: 2.8) and is −0.4 % to 3.2 % at α = 4.",
            citation: DECAY_SWEEP_CITATION,
            quiz: quiz::DECAY_SWEEP,
            values: &[
                ("sweep", 1.0),
                ("alpha", 1.0),
                ("n", 100.0),
                ("init_scale", 0.0),
                ("lr", 0.2),
                ("hidden", 32.0),
                ("steps", 3000.0),
                ("weight_decay", 0.2),
            ],
        },
    ]
}

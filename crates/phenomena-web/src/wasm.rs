//! `#[wasm_bindgen]` exports. Errors cross as JS `Error`s with readable messages; a Rust
//! panic is reported to the page through a `phenomena-panic` event before the module traps.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use burn::prelude::Device;
use js_sys::{Error, Promise};
use phenomena::labs;
use plotters::prelude::IntoDrawingArea;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::canvas::MeasuredCanvas;
use crate::session::{Backend, Session};

unsafe extern "C" {
    /// Synthesised by wasm-ld: runs the static constructors (burn's kernel registries).
    fn __wasm_call_ctors();
}

/// Runs the static constructors exactly once.
///
/// If nothing in the module calls `__wasm_call_ctors`, wasm-ld treats the module as a
/// "command" and re-runs every constructor at the start of *every* exported function — that
/// cost most of each call's time. Calling it here, from the entry points, turns that off.
pub fn ensure_constructors() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static DONE: AtomicBool = AtomicBool::new(false);
    if !DONE.swap(true, Ordering::SeqCst) {
        // SAFETY: called once per instance, before any code that relies on the registries.
        unsafe { __wasm_call_ctors() };
    }
}

#[wasm_bindgen(start)]
pub fn start() {
    ensure_constructors();
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let message = info.to_string();
        // The global scope is the window on the page and the worker's own scope in a lab's
        // worker, which reports the message with the failed call.
        let scope = js_sys::global();
        let detail = JsValue::from_str(&message);
        let init = web_sys::CustomEventInit::new();
        init.set_detail(&detail);
        let event = web_sys::CustomEvent::new_with_event_init_dict("phenomena-panic", &init);
        let dispatch = js_sys::Reflect::get(&scope, &JsValue::from_str("dispatchEvent"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        if let (Ok(event), Some(dispatch)) = (event, dispatch) {
            let _ = dispatch.call1(&scope, &event);
        }
    }));
}

fn js_err(message: impl std::fmt::Display) -> JsValue {
    Error::new(&message.to_string()).into()
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(js_err)
}

/// Every lab with its parameter schema and presets.
#[wasm_bindgen(js_name = labCatalog)]
pub fn lab_catalog() -> Result<JsValue, JsValue> {
    ensure_constructors();
    to_js(&labs::all())
}

/// Predict, then reveal: what a finished run (its JSON export, `Session::json`) answers to
/// preset `preset`'s question: `{choice, outcome, evidence}`, or an error saying why none.
#[wasm_bindgen(js_name = quizReveal)]
pub fn quiz_reveal(lab: &str, preset: &str, run_json: &str) -> Result<JsValue, JsValue> {
    let snapshot = phenomena::Snapshot::from_json(run_json).map_err(js_err)?;
    to_js(&labs::quiz_reveal(lab, preset, &snapshot).map_err(js_err)?)
}

/// Reads a JS object of `{name: string | number}` into raw parameter text.
fn raw_params(value: &JsValue) -> Result<BTreeMap<String, String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(BTreeMap::new());
    }
    let object: js_sys::Object = value
        .clone()
        .dyn_into()
        .map_err(|_| js_err("parameters must be an object"))?;
    let mut raw = BTreeMap::new();
    for entry in js_sys::Object::entries(&object).iter() {
        let pair: js_sys::Array = entry.into();
        let key = pair.get(0).as_string().unwrap_or_default();
        let v = pair.get(1);
        let text = match (v.as_string(), v.as_f64()) {
            (Some(s), _) => s,
            (None, Some(n)) => n.to_string(),
            _ => String::from("?"),
        };
        raw.insert(key, text);
    }
    Ok(raw)
}

/// Checks raw parameters for a lab without building it: resolves to the values the lab would
/// run with and the messages about clamped ones, or throws an `Error` naming the problem.
#[wasm_bindgen(js_name = validateParams)]
pub fn validate_params(
    lab: &str,
    preset: Option<String>,
    params: JsValue,
) -> Result<JsValue, JsValue> {
    #[derive(Serialize)]
    struct Resolved {
        params: phenomena::Params,
        notes: Vec<String>,
    }
    let raw = raw_params(&params)?;
    let (params, notes) =
        labs::params_for(lab, preset.as_deref(), &raw, phenomena::OutOfRange::Clamp)
            .map_err(js_err)?;
    to_js(&Resolved {
        params,
        notes: notes.into_iter().map(|n| n.message).collect(),
    })
}

/// How the runs of lab `lab` from preset `preset` (or none) and raw `params` split over
/// `cores` engines: a list of run-name lists, one per engine, or null where they train in one
/// (see `labs::run_shares`).
#[wasm_bindgen(js_name = runShares)]
pub fn run_shares(
    lab: &str,
    preset: Option<String>,
    params: JsValue,
    cores: u32,
) -> Result<JsValue, JsValue> {
    let raw = raw_params(&params)?;
    let (params, _) = labs::params_for(lab, preset.as_deref(), &raw, phenomena::OutOfRange::Clamp)
        .map_err(js_err)?;
    match labs::run_shares(lab, &params, cores as usize).map_err(js_err)? {
        Some(shares) => to_js(&shares),
        None => Ok(JsValue::NULL),
    }
}

/// Your own points (the early-learning lab's `points` parameter): point set `points` after
/// `change` (`{add: {x, y, class}}`, `{relabel: {index, class, classes}}` or `"undo"`);
/// throws why a change cannot be made.
#[wasm_bindgen(js_name = editPoints)]
pub fn edit_points(points: &str, change: JsValue) -> Result<String, JsValue> {
    use phenomena::labs::early_learning::drawn;
    let change: drawn::Change = serde_wasm_bindgen::from_value(change)
        .map_err(|e| js_err(format!("not a change to the points: {e}")))?;
    drawn::edit(points, change).map_err(js_err)
}

thread_local! {
    /// The WebGPU device, initialised once (a wgpu runtime cannot be initialised twice).
    static WEBGPU: RefCell<Option<Result<Device, String>>> = const { RefCell::new(None) };
}

thread_local! {
    /// The one start of WebGPU: every caller shares it (two concurrent starts would register
    /// the wgpu runtime twice, and the second fails).
    static WEBGPU_START: RefCell<Option<Promise>> = const { RefCell::new(None) };
}

/// Initialises WebGPU once. Resolves to `""` when it works, else to the reason it does not.
#[wasm_bindgen(js_name = initWebGpu)]
pub fn init_webgpu() -> Promise {
    ensure_constructors();
    WEBGPU_START.with(|start| {
        start
            .borrow_mut()
            .get_or_insert_with(|| {
                future_to_promise(async { Ok(JsValue::from_str(&start_webgpu().await)) })
            })
            .clone()
    })
}

/// Runs once, through `init_webgpu`'s shared promise.
async fn start_webgpu() -> String {
    // `navigator.gpu` of the window or of a worker's scope.
    let has_gpu = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("navigator"))
        .and_then(|navigator| js_sys::Reflect::get(&navigator, &JsValue::from_str("gpu")))
        .map(|gpu| !gpu.is_undefined() && !gpu.is_null())
        .unwrap_or(false);
    let result = if !has_gpu {
        Err("this browser has no WebGPU (navigator.gpu is missing)".to_string())
    } else {
        start_device().await
    };
    let message = result.as_ref().err().cloned().unwrap_or_default();
    WEBGPU.with(|w| *w.borrow_mut() = Some(result));
    message
}

#[cfg(feature = "webgpu")]
async fn start_device() -> Result<Device, String> {
    Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| format!("WebGPU could not start: {e}"))
}

#[cfg(not(feature = "webgpu"))]
async fn start_device() -> Result<Device, String> {
    Err(
        "this is the CPU-only engine; the page loads the WebGPU engine when WebGPU is chosen"
            .into(),
    )
}

fn device_for(backend: Backend) -> Result<Device, JsValue> {
    match backend {
        Backend::Flex => Ok(Device::flex()),
        Backend::WebGpu => WEBGPU.with(|w| match &*w.borrow() {
            Some(Ok(device)) => Ok(device.clone()),
            Some(Err(message)) => Err(js_err(message)),
            None => Err(js_err(
                "call initWebGpu() before choosing the webgpu backend",
            )),
        }),
    }
}

#[derive(Serialize)]
struct Status<'a> {
    step: u64,
    max_steps: u64,
    backend: &'a str,
    diverged: Option<&'a str>,
    warnings: &'a [String],
    scalars: &'a BTreeMap<String, f64>,
    params: &'a phenomena::Params,
}

#[derive(Serialize)]
struct ChartInfo {
    id: String,
    title: String,
    caption: String,
    summary: String,
}

impl ChartInfo {
    fn of(chart: &phenomena_charts::ChartSpec) -> Self {
        ChartInfo {
            summary: chart.text_summary(),
            id: chart.id.clone(),
            title: chart.title.clone(),
            caption: chart.caption.clone(),
        }
    }
}

/// What a lab's worker sends of its charts (`LabHandle.chartSpecs`): each spec as JSON text,
/// in the order of `infos`. A string crosses to the page in one copy; the same spec as objects
/// took the page's main thread milliseconds to receive (a boundary heatmap is thousands of
/// points), on every redraw.
#[derive(Serialize)]
struct ChartsOnView {
    infos: Vec<ChartInfo>,
    specs: Vec<String>,
}

/// Draws one chart onto a canvas at pixel ratio `dpr` (clamped to [0.5, 8] so that a
/// print-resolution export stays sharp and a bad value cannot ask for absurd sizes).
fn draw_on(
    chart: &phenomena_charts::ChartSpec,
    canvas: web_sys::HtmlCanvasElement,
    dpr: f64,
    dark: bool,
) -> Result<phenomena_charts::PlotFrame, JsValue> {
    let backend = MeasuredCanvas::new(canvas)
        .ok_or_else(|| js_err(format!("the canvas for `{}` has no 2-D context", chart.id)))?;
    let theme = if dark {
        phenomena_charts::Theme::Dark
    } else {
        phenomena_charts::Theme::Light
    };
    let dpr = if dpr.is_finite() {
        dpr.clamp(0.5, 8.0)
    } else {
        1.0
    };
    phenomena_charts::draw(chart, &backend.into_drawing_area(), dpr, theme).map_err(js_err)
}

/// Draws chart specs that a lab's worker built (`LabHandle.chartSpecs`; here a JSON array of
/// them) onto the canvases in `canvases` (by chart id; charts without one are skipped):
/// the page draws what the worker trained. Returns where each chart's plot landed, by chart id
/// (see [`frames`]).
#[wasm_bindgen(js_name = drawSpecs)]
pub fn draw_specs(
    specs: &str,
    canvases: &js_sys::Object,
    dpr: f64,
    dark: bool,
) -> Result<JsValue, JsValue> {
    let specs: Vec<phenomena_charts::ChartSpec> =
        serde_json::from_str(specs).map_err(|e| js_err(format!("bad chart specs: {e}")))?;
    frames(&specs, canvases, dpr, dark)
}

/// Draws each chart that has a canvas and returns its plot's frame in canvas pixels, keyed by
/// chart id, so the page can turn a click into data coordinates (your own points).
fn frames(
    charts: &[phenomena_charts::ChartSpec],
    canvases: &js_sys::Object,
    dpr: f64,
    dark: bool,
) -> Result<JsValue, JsValue> {
    let mut frames = BTreeMap::new();
    for chart in charts {
        if let Some(canvas) = canvas_for(canvases, &chart.id)? {
            frames.insert(chart.id.clone(), draw_on(chart, canvas, dpr, dark)?);
        }
    }
    to_js(&frames)
}

/// One chart spec from a lab's worker as an SVG document.
#[wasm_bindgen(js_name = specSvg)]
pub fn spec_svg(spec: JsValue, width: u32, height: u32) -> Result<String, JsValue> {
    let chart: phenomena_charts::ChartSpec =
        serde_wasm_bindgen::from_value(spec).map_err(|e| js_err(format!("bad chart spec: {e}")))?;
    svg_of(&chart, width, height)
}

fn svg_of(chart: &phenomena_charts::ChartSpec, width: u32, height: u32) -> Result<String, JsValue> {
    phenomena_charts::to_svg(chart, width.clamp(100, 4000), height.clamp(100, 4000)).map_err(js_err)
}

/// The canvas that `canvases` maps chart `id` to, if any.
fn canvas_for(
    canvases: &js_sys::Object,
    id: &str,
) -> Result<Option<web_sys::HtmlCanvasElement>, JsValue> {
    let value =
        js_sys::Reflect::get(canvases, &JsValue::from_str(id)).unwrap_or(JsValue::UNDEFINED);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .dyn_into()
        .map(Some)
        .map_err(|_| js_err(format!("canvases.{id} is not a canvas")))
}

/// One lab on the page. Methods that await hold the session only for their own duration;
/// a call that arrives meanwhile gets a "busy" error rather than a panic.
#[wasm_bindgen]
pub struct LabHandle {
    session: Rc<RefCell<Session>>,
    notes: Vec<String>,
}

fn busy() -> JsValue {
    js_err("the lab is busy reading back results; try again after the pending call")
}

#[wasm_bindgen]
impl LabHandle {
    /// Creates a lab. `params` is an object of raw values (strings or numbers).
    pub fn create(
        lab: &str,
        preset: Option<String>,
        params: JsValue,
        backend: &str,
    ) -> Result<LabHandle, JsValue> {
        ensure_constructors();
        let backend = Backend::parse(backend).map_err(js_err)?;
        let device = device_for(backend)?;
        let raw = raw_params(&params)?;
        let (session, notes) =
            Session::create(lab, preset.as_deref(), &raw, backend, &device).map_err(js_err)?;
        Ok(LabHandle {
            session: Rc::new(RefCell::new(session)),
            notes: notes.into_iter().map(|n| n.message).collect(),
        })
    }

    /// Messages about values that were clamped when the lab was last (re)started.
    pub fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }

    /// Starts a new run with new parameters and/or backend, keeping earlier runs' summaries.
    pub fn restart(&mut self, params: JsValue, backend: &str) -> Result<(), JsValue> {
        let backend = Backend::parse(backend).map_err(js_err)?;
        let device = device_for(backend)?;
        let raw = raw_params(&params)?;
        let mut session = self.session.try_borrow_mut().map_err(|_| busy())?;
        let notes = session.restart(&raw, backend, &device).map_err(js_err)?;
        self.notes = notes.into_iter().map(|n| n.message).collect();
        Ok(())
    }

    /// Queues `k` training steps on every run of the lab.
    pub fn step(&self, k: u32) -> Result<(), JsValue> {
        self.session
            .try_borrow_mut()
            .map_err(|_| busy())?
            .step(k as u64);
        Ok(())
    }

    /// Does at most `units` units of work (steps, or for a lab with much work per step, one
    /// run's step each), stopping once `budget_ms` have passed: the frame loop's main-thread
    /// task stays short even when the cost per unit jumps.
    #[wasm_bindgen(js_name = stepWork)]
    pub fn step_work(&self, units: u32, budget_ms: f64) -> Result<(), JsValue> {
        self.session
            .try_borrow_mut()
            .map_err(|_| busy())?
            .step_work(units as u64, budget_ms, js_sys::Date::now);
        Ok(())
    }

    #[wasm_bindgen(js_name = stepsDone)]
    pub fn steps_done(&self) -> Result<f64, JsValue> {
        Ok(self.session.try_borrow().map_err(|_| busy())?.steps_done() as f64)
    }

    #[wasm_bindgen(js_name = maxSteps)]
    pub fn max_steps(&self) -> Result<f64, JsValue> {
        Ok(self.session.try_borrow().map_err(|_| busy())?.max_steps() as f64)
    }

    pub fn backend(&self) -> Result<String, JsValue> {
        Ok(self
            .session
            .try_borrow()
            .map_err(|_| busy())?
            .backend()
            .name()
            .to_string())
    }

    /// Reads back the metrics recorded so far; resolves to a status object.
    // The session stays borrowed while the read-back is awaited, on purpose: any call that
    // arrives meanwhile gets `busy()` from its own `try_borrow`, never a panic.
    #[allow(clippy::await_holding_refcell_ref)]
    pub fn refresh(&self) -> Promise {
        let session = self.session.clone();
        future_to_promise(async move {
            let mut guard = session.try_borrow_mut().map_err(|_| busy())?;
            let snapshot = guard.refresh().await.map_err(js_err)?;
            to_js(&Status {
                step: snapshot.step,
                max_steps: 0,
                backend: &snapshot.backend,
                diverged: snapshot.diverged.as_deref(),
                warnings: &snapshot.warnings,
                scalars: &snapshot.scalars,
                params: &snapshot.params,
            })
            .inspect(|status| {
                let _ = js_sys::Reflect::set(
                    status,
                    &"max_steps".into(),
                    &JsValue::from_f64(guard.max_steps() as f64),
                );
            })
        })
    }

    /// Steps of the snapshots kept for scrubbing back through the run, oldest first.
    pub fn timeline(&self) -> Result<Vec<f64>, JsValue> {
        let session = self.session.try_borrow().map_err(|_| busy())?;
        Ok(session
            .timeline_steps()
            .into_iter()
            .map(|s| s as f64)
            .collect())
    }

    /// Shows timeline entry `index` in `charts`/`draw` (undefined: the latest again).
    pub fn view(&self, index: Option<u32>) -> Result<(), JsValue> {
        self.session
            .try_borrow_mut()
            .map_err(|_| busy())?
            .view(index.map(|i| i as usize));
        Ok(())
    }

    /// Id, title, caption and a text summary of each chart (for captions and screen readers).
    pub fn charts(&self) -> Result<JsValue, JsValue> {
        let session = self.session.try_borrow().map_err(|_| busy())?;
        let list: Vec<ChartInfo> = session.charts().iter().map(ChartInfo::of).collect();
        to_js(&list)
    }

    /// Draws every chart onto its canvas: `canvases` maps chart ids to `HTMLCanvasElement`s
    /// (charts without one are skipped), at pixel ratio `dpr`, in the dark theme when `dark`.
    /// Taking the canvases rather than looking them up by id lets the page keep them in a
    /// shadow root. Returns where each chart's plot landed, by chart id.
    pub fn draw(
        &self,
        canvases: &js_sys::Object,
        dpr: f64,
        dark: bool,
    ) -> Result<JsValue, JsValue> {
        let session = self.session.try_borrow().map_err(|_| busy())?;
        frames(&session.charts(), canvases, dpr, dark)
    }

    /// Draws chart `id` onto `canvas` (print-resolution PNG export draws onto a large one).
    #[wasm_bindgen(js_name = drawChart)]
    pub fn draw_chart(
        &self,
        id: &str,
        canvas: web_sys::HtmlCanvasElement,
        dpr: f64,
        dark: bool,
    ) -> Result<(), JsValue> {
        draw_on(&self.chart(id)?, canvas, dpr, dark).map(|_| ())
    }

    /// One chart as an SVG document (the same spec the canvas shows).
    #[wasm_bindgen(js_name = chartSvg)]
    pub fn chart_svg(&self, id: &str, width: u32, height: u32) -> Result<String, JsValue> {
        svg_of(&self.chart(id)?, width, height)
    }

    /// The charts on view, to cross to another thread: `infos` as `charts` gives them, and
    /// `specs`, each chart's spec as JSON text, to draw there with `drawSpecs`. One call
    /// builds the specs once for both.
    #[wasm_bindgen(js_name = chartSpecs)]
    pub fn chart_specs(&self) -> Result<JsValue, JsValue> {
        let session = self.session.try_borrow().map_err(|_| busy())?;
        let charts = session.charts();
        let infos: Vec<ChartInfo> = charts.iter().map(ChartInfo::of).collect();
        let specs = charts
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<_, _>>()
            .map_err(|e| js_err(e.to_string()))?;
        to_js(&ChartsOnView { infos, specs })
    }

    /// The latest snapshot as tidy CSV with the configuration stamped in.
    pub fn csv(&self) -> Result<String, JsValue> {
        let session = self.session.try_borrow().map_err(|_| busy())?;
        Ok(session.latest().map(|s| s.to_csv()).unwrap_or_default())
    }

    /// The latest snapshot as JSON.
    pub fn json(&self) -> Result<String, JsValue> {
        let session = self.session.try_borrow().map_err(|_| busy())?;
        Ok(session.latest().map(|s| s.to_json()).unwrap_or_default())
    }

    /// Trains only runs `runs` of this run (one of `runShares`'s shares), before its first
    /// step; the other shares train in other engines.
    #[wasm_bindgen(js_name = trainShare)]
    pub fn train_share(&self, runs: Vec<String>) -> Result<(), JsValue> {
        self.session
            .try_borrow_mut()
            .map_err(|_| busy())?
            .train_share(&runs)
            .map_err(js_err)
    }

    /// What this run has recorded (as of the last refresh), as one shard of an ensemble whose
    /// seeds (or runs) train in several engines; null for a lab whose seeds and runs do not
    /// train apart.
    #[wasm_bindgen(js_name = shardRecord)]
    pub fn shard_record(&self) -> Result<JsValue, JsValue> {
        let session = self.session.try_borrow().map_err(|_| busy())?;
        match session.shard_record() {
            Some(record) => to_js(&record),
            None => Ok(JsValue::NULL),
        }
    }

    /// The records of the ensemble's other shards (`shardRecord` of each, in seed order), shown
    /// with this run's own seeds from the next refresh on.
    #[wasm_bindgen(js_name = absorbShards)]
    pub fn absorb_shards(&self, records: JsValue) -> Result<(), JsValue> {
        let records: Vec<phenomena::ShardRecord> = serde_wasm_bindgen::from_value(records)
            .map_err(|e| js_err(format!("bad shard records: {e}")))?;
        self.session
            .try_borrow_mut()
            .map_err(|_| busy())?
            .absorb_shards(records)
            .map_err(js_err)
    }

    /// One recorded series of the latest snapshot as [x0, y0, x1, y1, …].
    pub fn series(&self, name: &str) -> Result<Vec<f64>, JsValue> {
        let session = self.session.try_borrow().map_err(|_| busy())?;
        let s = session
            .latest()
            .and_then(|s| s.series.get(name))
            .ok_or_else(|| js_err(format!("no series `{name}`")))?;
        Ok(s.x.iter().zip(&s.y).flat_map(|(x, y)| [*x, *y]).collect())
    }
}

impl LabHandle {
    /// The spec of chart `id` of the snapshot on view.
    fn chart(&self, id: &str) -> Result<phenomena_charts::ChartSpec, JsValue> {
        let session = self.session.try_borrow().map_err(|_| busy())?;
        session
            .charts()
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| js_err(format!("no chart `{id}`")))
    }
}

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { App } from '../../app/create-app.js';
import type { QueueMode } from '../../runtime/queue/queue-mode.js';
import type { DeliveryRecord } from '../../store/records.js';
import type { StepDurations } from './step-durations.js';

/** At most this many deliveries are counted per scrape; more (a flood between scrapes) are skipped, and a warning says so. */
const MAX_DELIVERIES_PER_SCRAPE = 20_000;
const DELIVERY_PAGE = 1000;

/**
 * The Prometheus metrics of one server, on a registry of its own. Counts come from the store at
 * scrape time, so they cover every process sharing it: runs by flow and status, pending
 * schedules, waiting runs, and how long the oldest due wake-up or schedule has gone unpicked.
 * Webhook deliveries are counted as recorded since this server started (from the store, by any
 * process), and step durations as this process executes them.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  /** The newest delivery counted; undefined until the first scrape sets the starting point. */
  private lastDelivery: number | undefined;
  private counting: Promise<void> = Promise.resolve();

  constructor(
    private readonly app: Pick<App, 'store' | 'clock' | 'log' | 'engine' | 'queue'>,
    options: { stepDurations?: StepDurations } = {},
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const store = app.store;
    new Gauge({
      name: 'staffwire_runs',
      help: 'Runs in the store, by flow and status.',
      labelNames: ['flow', 'status'],
      registers,
      async collect() {
        this.reset();
        for (const row of await store.runsByFlowAndStatus()) this.set({ flow: row.flowId, status: row.status }, row.count);
      },
    });
    new Gauge({
      name: 'staffwire_schedules_pending',
      help: 'One-off schedules waiting to fire.',
      registers,
      async collect() {
        this.set(await store.pendingSchedules());
      },
    });
    const wakeUps = () => store.pendingWakeUps(app.clock.now().toISOString());
    new Gauge({
      name: 'staffwire_runs_waiting',
      help: 'Runs parked waiting for a moment, an event or a sub-flow.',
      registers,
      async collect() {
        this.set((await wakeUps()).waiting);
      },
    });
    new Gauge({
      name: 'staffwire_oldest_due_seconds',
      help: 'Age of the oldest wake-up or schedule that is due but not picked up yet; 0 when nothing is late. Growing means no process is executing due work.',
      registers,
      async collect() {
        const now = app.clock.now();
        const [{ oldestDue }, [schedule]] = await Promise.all([wakeUps(), store.dueSchedules(now.toISOString(), 1)]);
        const oldest = [oldestDue, schedule?.fireAt].filter((at): at is string => at !== undefined).sort()[0];
        this.set(oldest === undefined ? 0 : Math.max(0, (now.getTime() - Date.parse(oldest)) / 1000));
      },
    });
    if (app.queue) this.queueMetrics(app.queue, registers);
    const metrics = this;
    new Counter({
      name: 'staffwire_webhook_deliveries_total',
      help: 'Webhook deliveries recorded (by any process) since this server started, by source and outcome.',
      labelNames: ['source', 'outcome'],
      registers,
      async collect() {
        // One count at a time: two scrapes at once must not count the same deliveries twice.
        const counted = metrics.counting.catch(() => undefined).then(() => metrics.countNewDeliveries(this));
        metrics.counting = counted;
        await counted;
      },
    });
    const steps = new Histogram({
      name: 'staffwire_step_duration_seconds',
      help: 'Duration of the call steps this process executed, by action and outcome.',
      labelNames: ['action', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    options.stepDurations?.attach(app, steps);
  }

  /** Where delivery counting starts: deliveries recorded from now on are counted. */
  async start(): Promise<void> {
    this.lastDelivery ??= (await this.app.store.listDeliveries({ limit: 1 }))[0]?.id ?? 0;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Counts the deliveries recorded since the last scrape. */
  /**
   * Queue mode: jobs by state in Redis (waiting is the depth workers have yet to take; active
   * includes jobs of a worker that died until stalled-job recovery moves them back), and the
   * wake-ups the sweeper had to enqueue again because Redis had lost them.
   */
  private queueMetrics(queue: QueueMode, registers: Registry[]): void {
    new Gauge({
      name: 'staffwire_queue_jobs',
      help: 'Wake-up jobs in Redis by state: waiting (queue depth), active, delayed (timers and deadlines), failed.',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        for (const [state, count] of Object.entries(await queue.wakeUps.counts())) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'staffwire_queue_stalled_recoveries',
      help: 'Jobs this process saw BullMQ recover from a worker that stopped renewing them (killed or stalled), since it started.',
      registers,
      collect() {
        this.set(queue.stalledRecoveries());
      },
    });
    new Counter({
      name: 'staffwire_sweeper_reenqueued_total',
      help: 'Due runs the sweeper found without a live job in Redis (lost, or never added) and enqueued again, since this server started.',
      registers,
      collect() {
        this.reset();
        this.inc(queue.enqueuer.reEnqueued);
      },
    });
  }

  private async countNewDeliveries(counter: Counter<'source' | 'outcome'>): Promise<void> {
    const store = this.app.store;
    if (this.lastDelivery === undefined) return this.start();
    const since = this.lastDelivery;
    const fresh: DeliveryRecord[] = [];
    let before: number | undefined;
    while (fresh.length < MAX_DELIVERIES_PER_SCRAPE) {
      const page = await store.listDeliveries({ limit: DELIVERY_PAGE, ...(before !== undefined ? { before } : {}) });
      const newer = page.filter((d) => d.id > since);
      fresh.push(...newer);
      if (newer.length < page.length || page.length < DELIVERY_PAGE) break;
      before = page[page.length - 1]!.id;
    }
    if (fresh.length >= MAX_DELIVERIES_PER_SCRAPE) this.app.log.warn({ counted: fresh.length }, 'more webhook deliveries since the last scrape than are counted at once; the rest are skipped');
    for (const delivery of fresh) counter.inc({ source: delivery.source, outcome: delivery.outcome });
    this.lastDelivery = fresh.reduce((newest, d) => Math.max(newest, d.id), since);
  }
}

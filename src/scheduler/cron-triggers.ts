import type { Logger } from 'pino';
import type { CompiledFlow, CompiledTrigger } from '../engine/compiled-flow.js';
import type { Engine, FlowCatalog } from '../engine/engine.js';
import type { FlowDefinition } from '../engine/flow-types.js';
import { CronSchedule } from './cron-schedule.js';

/** Flows by id, and all of them: the scheduler finds cron triggers by listing. `FlowFiles` is one. */
export interface ListedFlowCatalog extends FlowCatalog {
  list(): readonly { definition: FlowDefinition }[] | Promise<readonly { definition: FlowDefinition }[]>;
}

/** One cron trigger of one flow version, ready to compute ticks. */
export interface CronTrigger {
  flow: CompiledFlow;
  triggerIndex: number;
  trigger: CompiledTrigger & { kind: 'cron' };
  schedule: CronSchedule;
  /** Where its last handled tick is kept (namespace `cron` of the store's state). */
  stateKey: string;
}

/**
 * The cron triggers of the flows in the catalog as they are now. Listing is cheap (FlowFiles
 * re-reads a file only when its size or modification time changed, and hands back the same
 * definition otherwise); a flow is compiled once per version, so an edited file takes effect at
 * the next look and an unchanged one costs a look-up. A catalog that builds new definitions
 * on every listing gets them compiled on every look.
 */
export class CronTriggers {
  /** By definition object: the catalog hands back the same one while its file is unchanged. */
  private readonly compiled = new WeakMap<FlowDefinition, CronTrigger[]>();

  constructor(
    private readonly flows: ListedFlowCatalog,
    private readonly engine: Pick<Engine, 'compile'>,
    private readonly log: Logger,
  ) {}

  async current(): Promise<CronTrigger[]> {
    const found: CronTrigger[] = [];
    for (const { definition } of await this.flows.list()) {
      if (!(definition.triggers ?? []).some((t) => t.kind === 'cron')) continue;
      let triggers = this.compiled.get(definition);
      if (!triggers) {
        triggers = this.compile(definition);
        this.compiled.set(definition, triggers);
      }
      found.push(...triggers);
    }
    return found;
  }

  private compile(definition: FlowDefinition): CronTrigger[] {
    let flow: CompiledFlow;
    try {
      flow = this.engine.compile(definition);
    } catch (err) {
      // An invalid flow file triggers nothing; `staffwire validate` says why. Said once per version.
      this.log.warn({ flowId: definition.id, err: (err as Error).message }, 'flow with cron triggers is invalid; its triggers do not fire');
      return [];
    }
    const triggers: CronTrigger[] = [];
    flow.triggers.forEach((trigger, triggerIndex) => {
      if (trigger.kind !== 'cron') return;
      triggers.push({ flow, triggerIndex, trigger, schedule: new CronSchedule(trigger.schedule, trigger.timeZone), stateKey: `${flow.definition.id}/${triggerIndex}` });
    });
    return triggers;
  }
}

import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EventMetadata, parseEvent, streams } from '@relance/domain';
import { WrongExpectedRevisionError, type EventStore } from '@relance/event-store';
import { CLOCK, EVENT_STORE, MERCHANTS, type Clock, type MerchantConfig, type MerchantDirectory } from '@relance/platform';
import { v7 as uuidv7 } from 'uuid';

/**
 * Records which program version is in force: at start, for each merchant whose configured program is
 * not the last one activated, appends ProgramActivated to program-<merchantId>. Replicas starting
 * together race on the stream's revision; the losers re-read, find the version active, and stop.
 */
@Injectable()
export class ProgramActivation implements OnApplicationBootstrap {
  private readonly logger = new Logger('ProgramActivation');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MERCHANTS) private readonly merchants: MerchantDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const merchant of this.merchants.list()) await this.activate(merchant);
  }

  /** True when this call appended the activation. */
  async activate(merchant: MerchantConfig): Promise<boolean> {
    const streamId = streams.program(merchant.id);
    for (let attempt = 1; ; attempt++) {
      // The whole stream (one event per program change) in one read: its last event and its revision
      // come from the same snapshot, which a "last event" read followed by a revision query would not give.
      const last = await this.store.readStream(streamId);
      const active = (last.events.at(-1)?.data as { version?: string } | undefined)?.version;
      if (active === merchant.program.version) return false;
      const now = this.clock.now().toISOString();
      const event = parseEvent('ProgramActivated', {
        version: merchant.program.version,
        name: merchant.program.definition.name,
        definition: merchant.program.definition,
        activatedAt: now,
      });
      const eventId = uuidv7();
      const metadata = EventMetadata.parse({
        eventId,
        merchantId: merchant.id,
        correlationId: eventId,
        causationId: eventId,
        actor: 'system:engine',
        occurredAt: now,
        recordedAt: now,
      });
      try {
        await this.store.append(streamId, [{ type: event.type, data: event.data, metadata }], last.revision);
        this.logger.log(`${merchant.id}: program "${merchant.program.definition.name}" ${merchant.program.version.slice(0, 12)} activated`);
        return true;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= 5) throw error;
      }
    }
  }
}

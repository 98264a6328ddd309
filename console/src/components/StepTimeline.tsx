import { Box, Text } from '@mantine/core';
import type { RunDetail } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { durationText } from '../time/Time';
import { timelineRows, type Segment } from './timeline-segments';

const COLOURS: Record<Segment['status'], string> = {
  running: 'var(--mantine-color-blue-6)',
  succeeded: 'var(--mantine-color-green-7)',
  failed: 'var(--mantine-color-red-7)',
  retrying: 'var(--mantine-color-orange-7)',
  waiting: 'var(--mantine-color-yellow-5)',
};

const LABEL_WIDTH = 220;
const WIDTH = 1000;
const ROW = 30;
const AXIS = 24;

/** The run's steps as a trace: a row per step, a bar per attempt on one time axis, waits hatched in between. */
export function StepTimeline({ run }: { run: RunDetail }) {
  const { t, language } = useI18n();
  const { rows, start, end } = timelineRows(run, Date.now());
  const x = (ms: number) => LABEL_WIDTH + ((ms - start) / (end - start)) * (WIDTH - LABEL_WIDTH - 10);
  const height = AXIS + rows.length * ROW + 6;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((share) => start + share * (end - start));
  return (
    // Focusable so that keyboard users can scroll a timeline wider than a tablet's screen.
    <Box style={{ overflowX: 'auto' }} tabIndex={0} aria-label={t('run.timeline')}>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label={t('run.timelineLabel')} data-testid="timeline" style={{ minWidth: 640 }}>
        <defs>
          <pattern id="wait-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="6" height="6" fill="var(--mantine-color-yellow-1)" />
            <line x1="0" y1="0" x2="0" y2="6" stroke="var(--mantine-color-yellow-7)" strokeWidth="2" />
          </pattern>
        </defs>
        {ticks.map((tick, i) => (
          <g key={tick}>
            <line x1={x(tick)} x2={x(tick)} y1={AXIS - 4} y2={height} stroke="var(--mantine-color-gray-3)" />
            <text x={x(tick)} y={14} fontSize="12" textAnchor={i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'} fill="var(--mantine-color-gray-8)">
              +{durationText(language, new Date(start).toISOString(), new Date(tick).toISOString())}
            </text>
          </g>
        ))}
        {rows.map((row, i) => {
          const y = AXIS + i * ROW;
          return (
            <g key={row.path} data-step={row.path}>
              <text x={4} y={y + 19} fontSize="13" fill="var(--mantine-color-gray-9)">
                {row.path.length > 28 ? `${row.path.slice(0, 27)}…` : row.path}
              </text>
              {row.segments.map((segment, j) => {
                const from = x(segment.from);
                const width = Math.max(3, x(segment.to) - from);
                const label = `${row.path} · ${segment.kind === 'wait' ? t('run.waitSegment') : t('run.attempt', { n: segment.attempt })} · ${durationText(language, new Date(segment.from).toISOString(), new Date(segment.to).toISOString())}`;
                return (
                  <rect
                    key={j}
                    x={from}
                    y={y + 6}
                    width={width}
                    height={ROW - 12}
                    rx={3}
                    fill={segment.kind === 'wait' ? 'url(#wait-hatch)' : COLOURS[segment.status]}
                    data-segment={segment.kind}
                    data-status={segment.status}
                  >
                    <title>{label}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
      </svg>
      {rows.length === 0 && <Text c="dimmed">{t('common.none')}</Text>}
    </Box>
  );
}

// Heuristic mission score (0–100), confidence and risk — operator aids, not verdicts (the UI says so). Weights
// and thresholds come from the missions.score* / *Threshold* settings so operators can tune them.
import type { Config } from '../../config';
import type { Level, MissionStatus } from '../../protocol/missions';

export interface ScoreInput {
  status: MissionStatus;
  pr_url: string | null;
  summary: string | null;
  artifact_count: number;
  acceptance_criteria_count: number;
  writeback_succeeded: boolean;
  risk_flags: { severity: string }[];
  has_error: boolean;
}

export interface Score {
  mission_score: number;
  confidence_level: Level;
  risk_level: Level;
  breakdown: { factor: string; points: number }[];
}

const BASE = 20;

export function scoreMission(m: ScoreInput, c: Config): Score {
  const breakdown: Score['breakdown'] = [{ factor: 'base', points: BASE }];
  const add = (factor: string, points: number) => points !== 0 && breakdown.push({ factor, points });
  if (m.pr_url) add('pull request opened', c['missions.scorePrBonus']);
  if (m.status === 'succeeded') add('succeeded', c['missions.scoreTerminalSuccessBonus']);
  if (m.status === 'failed') add('failed', -c['missions.scoreFailurePenalty']);
  if (m.writeback_succeeded) add('outcome written back', c['missions.scoreWritebackSuccessBonus']);
  const summaryOk = (m.summary ?? '').length >= c['missions.scoreSummaryMinLength'];
  if (m.summary && summaryOk) add('substantial summary', 10);
  if (m.artifact_count > 0) add('files changed', 10);
  if (m.acceptance_criteria_count > 0) add('acceptance criteria given', 5);
  if (m.has_error) add('upstream error', -10);
  const raw = breakdown.reduce((s, f) => s + f.points, 0);
  const mission_score = Math.max(0, Math.min(100, raw));
  let confidence: Level =
    mission_score >= c['missions.confidenceThresholdHigh'] ? 'high' : mission_score >= c['missions.confidenceThresholdMedium'] ? 'medium' : 'low';
  // A short (or missing) summary of a finished mission lowers confidence one step: there is little to judge by.
  if (m.status === 'succeeded' && !summaryOk) confidence = confidence === 'high' ? 'medium' : 'low';
  const high = m.risk_flags.filter((r) => r.severity === 'high').length;
  const flags = m.risk_flags.length;
  let risk: Level = flags >= c['missions.riskThresholdHigh'] || high >= 2 ? 'high' : flags > 0 ? 'medium' : 'low';
  if (m.status === 'failed' && risk === 'low') risk = 'medium';
  return { mission_score, confidence_level: confidence, risk_level: risk, breakdown };
}

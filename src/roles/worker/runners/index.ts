import type { RunnerName } from '../../../domain/core-pack';
import { AskRunner, EchoRunner, NoopRunner, SleepRunner } from './builtin-runners';
import { HttpRunner } from './http-runner';
import { Runner } from './runner';
import { ShellRunner } from './shell-runner';

export function createRunners(): Map<RunnerName, Runner> {
  const runners: Runner[] = [
    new EchoRunner(),
    new NoopRunner(),
    new SleepRunner(),
    new ShellRunner(),
    new HttpRunner(),
    new AskRunner(),
  ];
  return new Map(runners.map((runner) => [runner.name, runner]));
}

export type { RunContext, RunOutcome, Runner } from './runner';

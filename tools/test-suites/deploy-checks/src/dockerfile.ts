import { validate, type ValidatorSettings } from 'dockerfile-utils';

/** A Dockerfile as a list of instructions (continuation lines joined, comments dropped). */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export const parseDockerfile = (text: string): Instruction[] =>
  text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });

/** The instructions of each build stage, from its FROM on. */
export const stages = (instructions: readonly Instruction[]): Instruction[][] =>
  instructions.reduce<Instruction[][]>((all, instruction) => {
    if (instruction.keyword === 'FROM') all.push([instruction]);
    else all.at(-1)?.push(instruction);
    return all;
  }, []);

/** The base image of a stage, with ARG defaults declared before the first FROM substituted. */
export const baseImage = (instructions: readonly Instruction[], stage: Instruction[]): string => {
  const globalArgs = Object.fromEntries(
    instructions
      .slice(
        0,
        instructions.findIndex((i) => i.keyword === 'FROM'),
      )
      .filter((i) => i.keyword === 'ARG')
      .map((i) => i.args.split('=') as [string, string]),
  );
  const from = stage[0]?.args.split(/\s+/)[0] ?? '';
  return from.replace(/\$\{?(\w+)\}?/g, (_match, name: string) => globalArgs[name] ?? '');
};

/** Every warning or error of dockerfile-utils' linter, at its strictest. */
export const lintDockerfile = (text: string): string[] => {
  const strict: ValidatorSettings = {
    deprecatedMaintainer: 2,
    directiveCasing: 2,
    emptyContinuationLine: 2,
    instructionCasing: 2,
    instructionCmdMultiple: 2,
    instructionEntrypointMultiple: 2,
    instructionHealthcheckMultiple: 2,
    instructionJSONInSingleQuotes: 2,
    instructionWorkdirRelative: 2,
  };
  return validate(text, strict).map(
    (diagnostic) => `line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`,
  );
};

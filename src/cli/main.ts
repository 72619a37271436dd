#!/usr/bin/env node
// The `attnpool` command. Each subcommand's work lives in src/cli/<name>.ts.
import { Command, Option } from 'commander';
import { hasGradient, KERNEL_NAMES } from '../args/kernel.js';
import { AttnpoolError } from '../errors.js';
import { ioError } from '../io/files.js';
import { RNG_NAMES } from '../chapter/data.js';
import { MAX_SEED } from '../args/numbers.js';
import { integerArg, numberArg } from './parse.js';
import { bandwidthCommand } from './bandwidth.js';
import { benchCommand } from './bench.js';
import { figuresCommand } from './figures.js';
import { fitCommand } from './fit.js';
import { BANDWIDTH_RULES, REGRESSIONS } from '../regression/kernelRegression.js';
import { MAX_JSON_EPOCHS, trainCommand } from './train.js';

const print = (line: string) => process.stdout.write(`${line}\n`);
const progress = (line: string) => process.stderr.write(`${line}\n`);
const seedOption = (what: string) => new Option('--seed <n>', `seed of ${what}`).argParser(integerArg(0, MAX_SEED)).default(0);
const dataOption = (what: string) => new Option('--data <file>', `${what} a CSV file with an "x,y" header or a JSON file {"x": [...], "y": [...]}`);
const rngOption = () =>
  new Option('--rng <name>', "generator of the data and the initial w: attnpool's own, or PyTorch's (torch.manual_seed(seed), bit for bit)")
    .choices(RNG_NAMES)
    .default('default');
const backendOption = () => new Option('--backend <name>', 'compute backend').choices(['auto', 'wasm', 'js']).default('auto');

const program = new Command()
  .name('attnpool')
  .description('Attention pooling as Nadaraya–Watson kernel regression (d2l, "Attention Pooling"), with WebAssembly SIMD kernels')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

program
  .command('figures')
  .description('write every figure of the chapter as PNG (and an index.html) into a directory')
  .option('--out <dir>', 'output directory (created if missing)', 'figures')
  .addOption(seedOption('the data and the initial w'))
  .addOption(rngOption())
  .addOption(new Option('--edition <version>', 'write the figures of d2l 1.0\'s "Attention Pooling by Similarity" instead of the chapter\'s').choices(['1.0']))
  .addOption(backendOption())
  .action((opts) => figuresCommand(opts, print, progress));

program
  .command('train')
  .description('train w by leave-one-out SGD, printing "epoch k, loss X" per epoch and then the learned w')
  .addOption(seedOption('the data and the initial w'))
  .addOption(rngOption())
  .option('--epochs <n>', 'number of SGD epochs', integerArg(1), 5)
  .option('--lr <x>', 'learning rate', numberArg(0), 0.5)
  .option(
    '--w0 <x>',
    'initial w > 0 (default: drawn from the seed as the chapter does)',
    numberArg(0, { why: 'at w = 0 every weight is equal and the gradient in w is exactly 0, so SGD would never move w' }),
  )
  .addOption(dataOption('train on'))
  .addOption(
    new Option('--json', `print one JSON object {"losses", "ws", "w"} at the end instead of lines (at most ${MAX_JSON_EPOCHS} epochs; see --jsonl)`).conflicts(
      'jsonl',
    ),
  )
  .option('--jsonl', 'print one JSON object {"epoch", "loss", "w"} per line as each epoch ends, then {"w"} (any number of epochs)')
  .addOption(new Option('--kernel <name>', 'attention kernel (those with a gradient in w)').choices(KERNEL_NAMES.filter(hasGradient)).default('gaussian'))
  .addOption(backendOption())
  .action((opts) => trainCommand(opts, print, progress));

program
  .command('bandwidth')
  .description('the w that minimises the leave-one-out squared error, exactly, with every local minimum and both limits')
  .addOption(seedOption('the chapter data'))
  .addOption(rngOption())
  .addOption(dataOption('use'))
  .addOption(
    new Option('--kernel <name>', 'attention kernel (those whose bandwidth matters)').choices(KERNEL_NAMES.filter((k) => k !== 'constant')).default('gaussian'),
  )
  .option('--json', 'print one JSON object instead of lines')
  .action((opts) => bandwidthCommand(opts, print));

program
  .command('fit')
  .description("kernel regression of one CSV column on others (statsmodels' KernelReg, np's npreg): bandwidths, CV, R², predictions")
  .requiredOption('--data <file>', 'a CSV file with a header row; any column names')
  .option('--x <cols>', 'the x columns, comma-separated names (default: every column but y)')
  .option('--y <col>', 'the y column (default: the last column)')
  .addOption(new Option('--regression <kind>', 'local constant (Nadaraya–Watson) or local linear').choices(REGRESSIONS).default(REGRESSIONS[0]))
  .option('--bandwidth <rule>', `${BANDWIDTH_RULES.join(' or ')}, or h1,h2,… one per x column (inf: smoothed out / linear)`, BANDWIDTH_RULES[0])
  .option('--predict <file>', 'a CSV file of query points (a header naming the x columns): print ŷ there')
  .option('--json', 'print one JSON object {"bandwidth", "w", "cv", "rSquared", "predictions"?} instead of lines')
  .option('--plot <png>', 'draw the fit (d = 1: over the points; d = 2: a heatmap of ŷ; d > 2: partial dependence)')
  .action((opts) => fitCommand(opts, print, progress));

program
  .command('bench')
  .description('time every workload on the WASM and JS backends in one interleaved run (medians, IQR, ratios, memory)')
  .option('--quick', 'smaller sizes and fewer samples (about 20 s)')
  .option('--json <file>', 'also write the raw results as JSON')
  .addOption(new Option('--scale <x>', 'multiply every size by x (for tests)').argParser(numberArg(0)).hideHelp())
  .action(async (opts) => {
    await benchCommand(opts, print, progress);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof AttnpoolError) {
    process.stderr.write(`attnpool: ${err.message}\n`);
  } else if (err instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string') {
    // A file-system error that no check caught: its path and cause, without a stack trace.
    process.stderr.write(`attnpool: ${ioError(e.path ?? e.syscall, e.syscall, err).message}\n`);
  } else {
    process.stderr.write(`attnpool: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exitCode = 1;
});

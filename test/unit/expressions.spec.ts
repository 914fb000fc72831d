import { renderExpressions } from '../../src/domain/expressions';

const context = {
  input: { hosts: ['a', 'b'], text: '"1 + 1"' },
  tasks: { build: { status: 'succeeded', result: { stdout: 'v1' } } },
};

// Workflow templates are JSONata over the context: data in, data out, within bounds.
describe('workflow expressions', () => {
  it('reads the context, keeps a whole placeholder typed and interpolates inside text', async () => {
    await expect(
      renderExpressions(
        { n: '{{ $count(input.hosts) }}', v: 'version {{ tasks.build.result.stdout | upper }}' },
        context,
      ),
    ).resolves.toEqual({ n: 2, v: 'version V1' });
  });

  it('stops an expression that would run for hours, with a message', async () => {
    await expect(
      renderExpressions('{{ $sum([1..1000].($sum([1..100000]))) }}', context),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^D101[12]$|^D2015$/) });
  });

  it('refuses a list longer than the bound instead of building it', async () => {
    await expect(renderExpressions('{{ $count([1..5000000]) }}', context)).rejects.toMatchObject({
      code: 'D2015',
    });
  });

  it('does not evaluate a value as an expression ($eval)', async () => {
    await expect(renderExpressions('{{ $eval(input.text) }}', context)).rejects.toThrow(
      /\$eval is not available/,
    );
  });
});

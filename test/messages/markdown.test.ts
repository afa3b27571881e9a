import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markdownToWhatsApp } from '../../main/messages/index.ts';

test('Markdown becomes WhatsApp formatting', () => {
  const rows: [string, string, string][] = [
    ['bold **', 'This is **important**.', 'This is *important*.'],
    ['bold __', 'This is __important__.', 'This is *important*.'],
    ['italic *', 'This is *subtle*.', 'This is _subtle_.'],
    ['italic _ stays', 'This is _subtle_.', 'This is _subtle_.'],
    ['bold italic', '***both***', '*_both_*'],
    ['strike', 'was ~~wrong~~ right', 'was ~wrong~ right'],
    ['heading', '# Title', '*Title*'],
    ['heading with inner bold', '## A **big** deal ##', '*A big deal*'],
    ['setext heading', 'Title\n=====', '*Title*'],
    ['link', 'See [the docs](https://example.com/docs).', 'See the docs (https://example.com/docs).'],
    ['link whose text is the url', '[https://example.com](https://example.com)', 'https://example.com'],
    ['image', '![a cat](https://example.com/cat.png)', 'a cat (https://example.com/cat.png)'],
    ['url with underscores untouched', 'go to https://x.com/a__b__c and https://y.com/*x*', 'go to https://x.com/a__b__c and https://y.com/*x*'],
    ['inline code kept', 'run `npm **install**` now', 'run `npm **install**` now'],
    ['code block kept, language tag dropped', '```js\nconst a = **b**;\n```', '```const a = **b**;```'],
    ['code block without language', '```\nx = 1\ny = 2\n```', '```x = 1\ny = 2```'],
    ['list bullets untouched', '* one\n* two *em*\n- three', '* one\n* two _em_\n- three'],
    ['arithmetic untouched', '2*3*4 = 24 and snake_case_name', '2*3*4 = 24 and snake_case_name'],
    ['unclosed code block runs to the end', 'Text\n```\ncode **x**', 'Text\n```code **x**```'],
  ];
  for (const [name, input, expected] of rows) assert.equal(markdownToWhatsApp(input), expected, name);
});

/**
 * A 3x5 pixel font for the title band: enough to make each image visibly "about" its prompt
 * without shipping a font file. Each glyph is five rows of three cells, '#' = ink.
 */
const GLYPHS: Record<string, string> = {
  A: '.#.#.#####.##.#',
  B: '##.#.###.#.###.',
  C: '.###..#..#...##',
  D: '##.#.##.##.###.',
  E: '####..##.#..###',
  F: '####..##.#..#..',
  G: '.###..#.##.#.##',
  H: '#.##.#####.##.#',
  I: '###.#..#..#.###',
  J: '..#..#..##.#.#.',
  K: '#.##.###.#.##.#',
  L: '#..#..#..#..###',
  M: '#.########.##.#',
  N: '##.#.##.##.##.#',
  O: '.#.#.##.##.#.#.',
  P: '##.#.###.#..#..',
  Q: '.#.#.##.###..##',
  R: '##.#.###.#.##.#',
  S: '.###...#...###.',
  T: '###.#..#..#..#.',
  U: '#.##.##.##.####',
  V: '#.##.##.##.#.#.',
  W: '#.##.########.#',
  X: '#.##.#.#.#.##.#',
  Y: '#.##.#.#..#..#.',
  Z: '###..#.#.#..###',
  '0': '####.##.##.####',
  '1': '.#.##..#..#.###',
  '2': '##...#.#.#..###',
  '3': '##...#.#...###.',
  '4': '#.##.####..#..#',
  '5': '####..##...###.',
  '6': '.###..####.####',
  '7': '###..#.#..#..#.',
  '8': '####.#####.####',
  '9': '####.####..###.',
  '-': '......###......',
  '.': '.............#.',
  '?': '##...#.#.....#.',
  ' ': '...............',
};

export const GLYPH_WIDTH = 3;
export const GLYPH_HEIGHT = 5;

/** The ink cells of a character as [column, row] pairs; unknown characters draw as '?'. */
export function glyphCells(char: string): Array<[number, number]> {
  const pattern = (GLYPHS[char.toUpperCase()] ?? GLYPHS['?']).padEnd(15, '.');
  const cells: Array<[number, number]> = [];
  for (let i = 0; i < 15; i++) {
    if (pattern[i] === '#') {
      cells.push([i % GLYPH_WIDTH, Math.floor(i / GLYPH_WIDTH)]);
    }
  }
  return cells;
}

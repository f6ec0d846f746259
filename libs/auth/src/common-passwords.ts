/**
 * The passwords breached most often (the top of public breach-corpus frequency lists, plus the
 * product's own name), lower-cased. Short on purpose: a rule, not a database. Many are under
 * the minimum length already; they are here because a password made of one of them and a few
 * digits or symbols (`Password2024!`) is refused too (password-rules.ts).
 */
const WORDS = `
  123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball
  abc123 football monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang
  1234567890 michael 654321 superman 1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer
  trustno1 jordan jennifer zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger
  sunshine iloveyou 2000 charlie robert thomas hockey ranger daniel starwars klaster 112233
  george computer michelle jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom 777777 pass
  maggie 159753 aaaaaa ginger princess joshua cheese amanda summer love ashley nicole chelsea
  biteme matthew access yankees 987654321 dallas austin thunder taylor matrix mobilemail mom
  monitor monitoring montana moon moscow welcome welcome1 password1 password123 passw0rd
  p@ssw0rd p@ssword admin admin123 administrator root toor changeme changeit default secret
  letmein1 iloveyou1 qwerty123 qwerty1 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx3edc zaq12wsx
  asdfghjkl asdf1234 qwer1234 abcd1234 abcdef abcdefg abcdefgh abcdefghij a1b2c3d4 aa123456
  football1 baseball1 princess1 sunshine1 monkey1 dragon1 shadow1 master1 superman1 batman1
  whatever starwars1 pokemon naruto minecraft lovely loveme flower hello hello123 hellohello
  hellokitty fuckyou fuckoff asshole blink182 samsung apple google facebook linkedin myspace
  twitter instagram youtube microsoft windows internet computer1 ninja mustang1 liverpool
  arsenal chelsea1 manchester barcelona realmadrid juventus jesus jesus1 blessed angel angels
  babygirl butterfly chocolate cookie purple orange banana secret1 security letmeinnow
  opensesame youknowit qwertyuiop123 zxcvbnm123 q1w2e3r4t5 1qazxsw2 ainfographic infographic
  infographics
`;

export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter(Boolean));

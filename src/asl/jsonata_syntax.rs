//! The JSONata syntax check behind [`check_jsonata`](super::check_jsonata): a tokenizer and a
//! Pratt parser after jsonata-js's `parser.js`, with the checks its post-parse pass (`processAST`)
//! makes, so an expression the service would refuse is an error in the first view.
//!
//! It keeps only the shape of each subexpression (what kind of step it is, whether it has
//! predicates, a group, a `%` still looking for its parent) and evaluates nothing. jsonata-core's
//! parser is the oracle (`tests/it/sim.rs` runs both on the JSONata reference suite and on every
//! expression of the corpus); it is not called here because it brings about 370 KB (gzip) of
//! wasm into the page, where this is a few kilobytes.

/// Why `body` (the text between `{%` and `%}`) is not a JSONata expression, if it is not.
pub(super) fn check(body: &str) -> Result<(), String> {
    let mut p = Parser {
        lex: Lexer {
            chars: body.chars().collect(),
            at: 0,
            last: None,
        },
        tok: Tok::End,
        depth: 0,
        chain: 0,
    };
    p.advance(None)?;
    let shape = p.expression(0)?;
    if p.tok != Tok::End {
        return Err(format!("unexpected {} {}", p.tok.describe(), p.lex.here()));
    }
    if !shape.seek.is_empty() || shape.kind() == Kind::Parent {
        return Err(PARENT.into());
    }
    Ok(())
}

const PARENT: &str = "the parent operator '%' has no step above it to refer to";

/// How deep expressions may nest before the check gives up (jsonata-core allows 1,000; real
/// expressions stay far below, and the browser's stack is small).
const MAX_DEPTH: usize = 64;
/// jsonata-core's limit: nesting plus the operators chained at one level (`1+1+…`, `a.b.…`).
const MAX_CHAIN: usize = 1000;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// An operator or punctuation, including the words `and`, `or` and `in`.
    Op(&'static str),
    Name(String),
    Var,
    Str,
    Num,
    /// `true`, `false` or `null`.
    Value,
    Undefined,
    Regex,
    /// `function` or `λ`.
    Function,
    End,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Op(o) => format!("'{o}'"),
            Tok::Name(n) => format!("name '{n}'"),
            Tok::Var => "variable".into(),
            Tok::Str => "string".into(),
            Tok::Num => "number".into(),
            Tok::Value => "value".into(),
            Tok::Undefined => "'undefined'".into(),
            Tok::Regex => "regular expression".into(),
            Tok::Function => "'function'".into(),
            Tok::End => "end of the expression".into(),
        }
    }

    fn is(&self, op: &str) -> bool {
        matches!(self, Tok::Op(o) if *o == op)
    }

    /// The left binding power: how tightly the token binds what is before it. These are
    /// jsonata-core's, which differ from jsonata-js's for `{`, `^`, `??`, `?:` and `..`.
    fn lbp(&self) -> u8 {
        let Tok::Op(o) = self else { return 0 };
        match *o {
            "[" | "(" | "@" | "#" | "{" | "^" => 80,
            "." => 75,
            "*" | "/" | "%" => 60,
            "+" | "-" | "&" => 50,
            "=" | "<" | ">" | "!=" | "<=" | ">=" | "~>" | "in" => 40,
            "and" => 30,
            "or" => 25,
            "?" | ".." => 20,
            "?:" | "??" => 15,
            ":=" => 10,
            _ => 0,
        }
    }
}

const TWO: [&str; 9] = ["..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??"];
const ONE: [&str; 24] = [
    ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|",
    "=", "<", ">", "^", "&",
];

struct Lexer {
    chars: Vec<char>,
    at: usize,
    /// The token before, which tells a regular expression's `/` from a division.
    last: Option<Tok>,
}

impl Lexer {
    fn peek(&self, n: usize) -> Option<char> {
        self.chars.get(self.at + n).copied()
    }

    fn here(&self) -> String {
        format!("at character {}", self.at + 1)
    }

    fn next(&mut self) -> Result<Tok, String> {
        let t = self.scan()?;
        self.last = Some(t.clone());
        Ok(t)
    }

    fn scan(&mut self) -> Result<Tok, String> {
        loop {
            while self.peek(0).is_some_and(char::is_whitespace) {
                self.at += 1;
            }
            if self.peek(0) == Some('/') && self.peek(1) == Some('*') {
                self.at += 2;
                loop {
                    match self.peek(0) {
                        None => return Err("unterminated comment ('/*' without '*/')".into()),
                        Some('*') if self.peek(1) == Some('/') => {
                            self.at += 2;
                            break;
                        }
                        Some(_) => self.at += 1,
                    }
                }
                continue;
            }
            break;
        }
        let Some(c) = self.peek(0) else {
            return Ok(Tok::End);
        };
        if c == '/' && self.regex_may_start() {
            return self.regex();
        }
        if let Some(op) = TWO
            .iter()
            .find(|o| self.chars[self.at..].starts_with(&o.chars().collect::<Vec<_>>()))
        {
            self.at += 2;
            return Ok(Tok::Op(op));
        }
        if let Some(op) = ONE.iter().find(|o| o.starts_with(c)) {
            self.at += 1;
            return Ok(Tok::Op(op));
        }
        match c {
            '"' | '\'' => self.string(c),
            '`' => {
                let start = self.at + 1;
                match self.chars[start..].iter().position(|&d| d == '`') {
                    Some(n) => {
                        self.at = start + n + 1;
                        Ok(Tok::Name(self.chars[start..start + n].iter().collect()))
                    }
                    None => Err("a quoted name must end with a backquote (`)".into()),
                }
            }
            '0'..='9' => self.number(),
            '$' => {
                self.at += 1;
                self.identifier();
                Ok(Tok::Var)
            }
            'λ' => {
                self.at += 1;
                Ok(Tok::Function)
            }
            c if c.is_alphabetic() || c == '_' => {
                let word = self.identifier();
                Ok(match word.as_str() {
                    "true" | "false" | "null" => Tok::Value,
                    "undefined" => Tok::Undefined,
                    "function" => Tok::Function,
                    "and" => Tok::Op("and"),
                    "or" => Tok::Op("or"),
                    "in" => Tok::Op("in"),
                    _ => Tok::Name(word),
                })
            }
            c => Err(format!("unknown operator '{c}' {}", self.here())),
        }
    }

    fn identifier(&mut self) -> String {
        let start = self.at;
        while self
            .peek(0)
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
        {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    /// A `/` starts a regular expression where an operand is due: at the start, or after an
    /// operator that takes one on its right.
    fn regex_may_start(&self) -> bool {
        match &self.last {
            None => true,
            Some(Tok::Op(o)) => matches!(
                *o,
                "(" | "["
                    | "{"
                    | ","
                    | ";"
                    | ":"
                    | "="
                    | "!="
                    | "<"
                    | "<="
                    | ">"
                    | ">="
                    | "+"
                    | "-"
                    | "&"
                    | "?"
                    | "~>"
                    | ":="
                    | "??"
                    | "?:"
                    | "and"
                    | "or"
                    | "in"
            ),
            Some(_) => false,
        }
    }

    /// A regular expression as jsonata-js (the service) scans it: up to a `/` that is neither
    /// escaped nor inside brackets (`/[^/]+$/` is one), then the flags `i` and `m`.
    fn regex(&mut self) -> Result<Tok, String> {
        self.at += 1;
        let start = self.at;
        let mut depth = 0i32;
        loop {
            let Some(c) = self.peek(0) else {
                return Err("unterminated regular expression".into());
            };
            let escaped = self.at > start
                && self.chars[start..self.at]
                    .iter()
                    .rev()
                    .take_while(|&&b| b == '\\')
                    .count()
                    % 2
                    == 1;
            if c == '/' && depth == 0 && !escaped {
                break;
            }
            match c {
                '(' | '[' | '{' if !escaped => depth += 1,
                ')' | ']' | '}' if !escaped => depth -= 1,
                _ => {}
            }
            self.at += 1;
        }
        if self.at == start {
            return Err("empty regular expression".into());
        }
        self.at += 1;
        while matches!(self.peek(0), Some('i' | 'm')) {
            self.at += 1;
        }
        Ok(Tok::Regex)
    }

    fn string(&mut self, quote: char) -> Result<Tok, String> {
        self.at += 1;
        let unterminated = || Err("unterminated string: a string must end with its quote".into());
        loop {
            match self.peek(0) {
                None => return unterminated(),
                Some(c) if c == quote => {
                    self.at += 1;
                    return Ok(Tok::Str);
                }
                Some('\\') => {
                    self.at += 1;
                    match self.peek(0) {
                        None => return unterminated(),
                        Some('"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't') => self.at += 1,
                        Some('u') => {
                            self.at += 1;
                            let code = self.hex4()?;
                            if (0xD800..=0xDBFF).contains(&code) {
                                // A high surrogate needs its low half.
                                if self.peek(0) != Some('\\') || self.peek(1) != Some('u') {
                                    return Err(BAD_U.into());
                                }
                                self.at += 2;
                                if !(0xDC00..=0xDFFF).contains(&self.hex4()?) {
                                    return Err(BAD_U.into());
                                }
                            } else if char::from_u32(code).is_none() {
                                return Err(BAD_U.into());
                            }
                        }
                        Some(c) => return Err(format!("unsupported escape sequence '\\{c}'")),
                    }
                }
                Some(_) => self.at += 1,
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut code = 0;
        for _ in 0..4 {
            let d = self.peek(0).and_then(|c| c.to_digit(16)).ok_or(BAD_U)?;
            code = code * 16 + d;
            self.at += 1;
        }
        Ok(code)
    }

    /// A number as jsonata-js reads it: `0` or digits without a leading zero, then a fraction and
    /// an exponent only where digits follow (`2.a` is `2`, `.`, `a`).
    fn number(&mut self) -> Result<Tok, String> {
        let start = self.at;
        let digits = |l: &mut Lexer| {
            while l.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                l.at += 1;
            }
        };
        if self.peek(0) == Some('0') {
            self.at += 1;
        } else {
            digits(self);
        }
        if self.peek(0) == Some('.') && self.peek(1).is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
            digits(self);
        }
        if matches!(self.peek(0), Some('e' | 'E')) {
            let sign = usize::from(matches!(self.peek(1), Some('+' | '-')));
            if self.peek(1 + sign).is_some_and(|c| c.is_ascii_digit()) {
                self.at += 1 + sign;
                digits(self);
            }
        }
        let text: String = self.chars[start..self.at].iter().collect();
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Tok::Num),
            _ => Err(format!("number out of range: {text}")),
        }
    }
}

const BAD_U: &str = "the escape sequence \\u must be followed by 4 hex digits";

/// What a subexpression is, as far as the checks need to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Name,
    Str,
    /// A number, also under a unary minus (jsonata-js folds `-1` into a number).
    Num,
    Value,
    Undefined,
    Var,
    Wildcard,
    Descendant,
    Parent,
    Regex,
    Array,
    Object,
    Block,
    Call,
    Lambda,
    Sort,
    Transform,
    /// The word `function` or `λ`, which `(` turns into a lambda.
    Function,
    Negation,
    Condition,
    /// A binary operator (`+`, `=`, `and`, `~>`, `:=`, …).
    Binary,
}

/// A step of a path, or an expression on its own.
#[derive(Clone, Debug)]
struct Step {
    kind: Kind,
    /// Predicates (`[…]`, but not `[]`).
    preds: bool,
    group: bool,
    /// A focus (`@`) or index (`#`) variable is bound on it.
    bound: bool,
    /// Levels still sought by `%`s attached to this step (in its predicates or sort terms).
    seek: Vec<u32>,
    /// For a block, the shape of its last expression, which `%` looks through.
    last: Option<Box<Shape>>,
}

impl Step {
    fn of(kind: Kind) -> Self {
        Step {
            kind,
            preds: false,
            group: false,
            bound: false,
            seek: Vec::new(),
            last: None,
        }
    }
}

/// A subexpression after jsonata-js's processAST: a path of steps, or one node.
#[derive(Clone, Debug)]
struct Shape {
    /// `Some` for a path; otherwise `one` is the node.
    steps: Option<Vec<Step>>,
    one: Step,
    /// A group-by on the path as a whole.
    group: bool,
    /// Levels still sought by `%`s inside, which an enclosing path step must give.
    seek: Vec<u32>,
}

impl Shape {
    fn of(kind: Kind) -> Self {
        Shape::one(Step::of(kind))
    }

    fn one(step: Step) -> Self {
        Shape {
            steps: None,
            one: step,
            group: false,
            seek: Vec::new(),
        }
    }

    fn kind(&self) -> Kind {
        self.one.kind
    }

    /// The step a predicate, group or binding applies to: the last of a path, or the node.
    fn target(&mut self) -> &mut Step {
        match &mut self.steps {
            Some(steps) if !steps.is_empty() => steps.last_mut().unwrap_or(&mut self.one),
            _ => &mut self.one,
        }
    }

    /// The steps of a path (and the levels it still seeks), or the node as one step.
    fn into_steps(self) -> (Vec<Step>, Vec<u32>) {
        match self.steps {
            Some(steps) => (steps, self.seek),
            None => {
                let mut one = self.one;
                one.seek.extend(self.seek);
                (vec![one], Vec::new())
            }
        }
    }

    /// A path of `steps`, with the `%`s of its last step resolved against the ones before.
    fn path(steps: Vec<Step>) -> Result<Shape, String> {
        Shape::path_seeking(steps, Vec::new())
    }

    fn path_seeking(steps: Vec<Step>, mut seek: Vec<u32>) -> Result<Shape, String> {
        if let Some(last) = steps.last() {
            let mut slots = last.seek.clone();
            if last.kind == Kind::Parent {
                slots.push(1);
            }
            for mut level in slots.into_iter().filter(|&l| l > 0) {
                let mut i = steps.len() - 1;
                while level > 0 {
                    if i == 0 {
                        add(&mut seek, level);
                        break;
                    }
                    i -= 1;
                    level = seek_parent(&steps[i], level)?;
                }
            }
        }
        Ok(Shape {
            one: Step::of(Kind::Name),
            steps: Some(steps),
            group: false,
            seek,
        })
    }

    /// `%`s sought inside these parts, carried by their parent node.
    fn gather(&mut self, part: &Shape) {
        for &level in &part.seek {
            add(&mut self.seek, level);
        }
        if part.steps.is_none() && part.kind() == Kind::Parent {
            add(&mut self.seek, 1);
        }
    }
}

/// Adds `level` to a set of sought levels (a `%` seeking 1 twice is one search). Level 0 is a
/// `%` that found its step in a node that is not a path: harmless inside a path, an error at
/// the top (jsonata-js keeps its slot there).
fn add(seek: &mut Vec<u32>, level: u32) {
    if !seek.contains(&level) {
        seek.push(level);
    }
}

/// jsonata-js's seekParent: how many levels a `%` still seeks after looking through `step`.
fn seek_parent(step: &Step, level: u32) -> Result<u32, String> {
    match step.kind {
        Kind::Name | Kind::Wildcard | Kind::Str | Kind::Function => Ok(level - 1),
        Kind::Parent => Ok(level + 1),
        Kind::Block => match &step.last {
            Some(last) => seek_parent_shape(last, level),
            None => Ok(level),
        },
        _ => Err(PARENT.into()),
    }
}

fn seek_parent_shape(shape: &Shape, mut level: u32) -> Result<u32, String> {
    match &shape.steps {
        Some(steps) => {
            for s in steps.iter().rev() {
                level = seek_parent(s, level)?;
                if level == 0 {
                    break;
                }
            }
            Ok(level)
        }
        None => seek_parent(&shape.one, level),
    }
}

struct Parser {
    lex: Lexer,
    tok: Tok,
    depth: usize,
    /// Nesting plus chained operators, as jsonata-core counts them (see MAX_CHAIN).
    chain: usize,
}

type R<T> = Result<T, String>;

impl Parser {
    /// Checks that the current token is `want` (if given), and moves to the next.
    fn advance(&mut self, want: Option<&str>) -> R<()> {
        if let Some(w) = want {
            if !self.tok.is(w) {
                return Err(if self.tok == Tok::End {
                    format!("expected '{w}' before the end of the expression")
                } else {
                    format!(
                        "expected '{w}', found {} {}",
                        self.tok.describe(),
                        self.lex.here()
                    )
                });
            }
        }
        self.tok = self.lex.next()?;
        Ok(())
    }

    fn expression(&mut self, rbp: u8) -> R<Shape> {
        let (depth, chain) = (self.depth, self.chain);
        self.depth += 1;
        self.chain += 1;
        if self.depth > MAX_DEPTH || self.chain > MAX_CHAIN {
            return Err("the expression is nested too deeply".into());
        }
        let t = std::mem::replace(&mut self.tok, Tok::End);
        self.advance(None)?;
        let mut left = self.nud(t)?;
        while rbp < self.tok.lbp() {
            // As jsonata-core counts: a step, a predicate, a condition or a binding adds one
            // (what follows it nests), any other operator two.
            self.chain += if matches!(self.tok, Tok::Op("." | "[" | "?" | ":=")) {
                1
            } else {
                2
            };
            if self.chain > MAX_CHAIN {
                return Err("the expression chains too many operators".into());
            }
            let t = std::mem::replace(&mut self.tok, Tok::End);
            self.advance(None)?;
            left = self.led(t, left)?;
        }
        (self.depth, self.chain) = (depth, chain);
        Ok(left)
    }

    /// A token at the start of an operand.
    fn nud(&mut self, t: Tok) -> R<Shape> {
        Ok(match t {
            Tok::Name(_) => Shape::path(vec![Step::of(Kind::Name)])?,
            Tok::Var => Shape::of(Kind::Var),
            Tok::Str => Shape::of(Kind::Str),
            Tok::Num => Shape::of(Kind::Num),
            Tok::Value => Shape::of(Kind::Value),
            Tok::Undefined => Shape::of(Kind::Undefined),
            Tok::Regex => Shape::of(Kind::Regex),
            Tok::Function => Shape::path(vec![Step::of(Kind::Function)])?,
            Tok::Op("and" | "or" | "in") => Shape::path(vec![Step::of(Kind::Name)])?,
            Tok::Op("*") => Shape::of(Kind::Wildcard),
            Tok::Op("**") => Shape::of(Kind::Descendant),
            Tok::Op("%") => Shape::of(Kind::Parent),
            Tok::Op("-") => {
                self.chain += 1;
                let operand = self.expression(70)?;
                if operand.steps.is_none() && operand.kind() == Kind::Num {
                    operand
                } else {
                    let mut s = Shape::of(Kind::Negation);
                    s.gather(&operand);
                    s
                }
            }
            Tok::Op("(") => {
                let mut block = Shape::of(Kind::Block);
                let mut last = None;
                while !self.tok.is(")") {
                    let e = self.expression(0)?;
                    block.gather(&e);
                    last = Some(e);
                    if !self.tok.is(";") {
                        break;
                    }
                    self.advance(Some(";"))?;
                }
                self.advance(Some(")"))?;
                block.one.last = last.map(Box::new);
                block
            }
            Tok::Op("[") => {
                self.chain += 1;
                let mut array = Shape::of(Kind::Array);
                if !self.tok.is("]") {
                    loop {
                        let item = self.expression(0)?;
                        array.gather(&item);
                        if self.tok.is("..") {
                            self.advance(Some(".."))?;
                            let to = self.expression(0)?;
                            array.gather(&to);
                        }
                        if !self.tok.is(",") {
                            break;
                        }
                        self.advance(Some(","))?;
                    }
                }
                self.advance(Some("]"))?;
                array
            }
            Tok::Op("{") => {
                let mut object = Shape::of(Kind::Object);
                self.pairs(&mut object)?;
                object
            }
            Tok::Op("|") => {
                // jsonata-js keeps no `%` of a transform's parts.
                self.expression(0)?;
                self.advance(Some("|"))?;
                self.expression(0)?;
                if self.tok.is(",") {
                    self.advance(Some(","))?;
                    self.expression(0)?;
                }
                self.advance(Some("|"))?;
                Shape::of(Kind::Transform)
            }
            Tok::End => return Err("the expression ends where an operand is due".into()),
            other => {
                return Err(format!(
                    "{} cannot start an operand {}",
                    other.describe(),
                    self.lex.here()
                ))
            }
        })
    }

    /// `key: value` pairs up to `}`, gathered into `into`.
    fn pairs(&mut self, into: &mut Shape) -> R<()> {
        if !self.tok.is("}") {
            loop {
                let k = self.expression(0)?;
                into.gather(&k);
                self.advance(Some(":"))?;
                let v = self.expression(0)?;
                into.gather(&v);
                if !self.tok.is(",") {
                    break;
                }
                self.advance(Some(","))?;
            }
        }
        self.advance(Some("}"))
    }

    /// An operator after an operand, `left`.
    fn led(&mut self, t: Tok, left: Shape) -> R<Shape> {
        let Tok::Op(op) = t else {
            return Err(format!("unexpected {} {}", t.describe(), self.lex.here()));
        };
        match op {
            "." => self.dot(left),
            "(" => self.call(left),
            "[" => {
                let mut left = left;
                if self.tok.is("]") {
                    // `[]` keeps singleton arrays; it is not a predicate.
                    self.advance(Some("]"))?;
                    return Ok(left);
                }
                let pred = self.expression(0)?;
                self.advance(Some("]"))?;
                let step = left.target();
                if step.group {
                    return Err("a predicate cannot follow a grouping expression in a step".into());
                }
                step.preds = true;
                let mut slots = pred.seek.clone();
                if pred.steps.is_none() && pred.kind() == Kind::Parent {
                    add(&mut slots, 1);
                }
                let in_path = left.steps.is_some();
                let mut found = false;
                for level in slots {
                    let step = left.target();
                    match level {
                        // The step itself is the parent sought; a string is a name only in a path.
                        1 if !in_path && step.kind == Kind::Str => return Err(PARENT.into()),
                        1 => {
                            found = true;
                            let rest = seek_parent(step, 1)?;
                            if rest > 0 {
                                add(&mut step.seek, rest);
                            }
                        }
                        0 => found = true,
                        l => add(&mut step.seek, l - 1),
                    }
                }
                if !in_path {
                    let seek = std::mem::take(&mut left.one.seek);
                    for l in seek {
                        add(&mut left.seek, l);
                    }
                    if found {
                        add(&mut left.seek, 0);
                    }
                }
                Ok(left)
            }
            "{" => {
                let mut left = left;
                let grouped = match left.steps {
                    Some(_) => left.group,
                    None => left.one.group,
                };
                if grouped {
                    return Err("each step can only have one grouping expression".into());
                }
                let mut pairs = Shape::of(Kind::Object);
                self.pairs(&mut pairs)?;
                match left.steps {
                    Some(_) => left.group = true,
                    None => left.one.group = true,
                }
                Ok(left)
            }
            "^" => {
                self.advance(Some("("))?;
                let mut sort = Step::of(Kind::Sort);
                loop {
                    if self.tok.is("<") || self.tok.is(">") {
                        self.advance(None)?;
                    }
                    let term = self.expression(0)?;
                    let mut holder = Shape::of(Kind::Binary);
                    holder.gather(&term);
                    for l in holder.seek {
                        add(&mut sort.seek, l);
                    }
                    if !self.tok.is(",") {
                        break;
                    }
                    self.advance(Some(","))?;
                }
                self.advance(Some(")"))?;
                let group = left.steps.is_some() && left.group;
                let (mut steps, carried) = left.into_steps();
                steps.push(sort);
                let mut path = Shape::path_seeking(steps, carried)?;
                path.group = group;
                Ok(path)
            }
            "@" | "#" => {
                let var = self.expression(80)?;
                if var.steps.is_some() || var.kind() != Kind::Var {
                    return Err(format!("the right side of '{op}' must be a variable name"));
                }
                let mut left = left;
                let step = left.target();
                if op == "@" && step.preds {
                    return Err(
                        "a context variable binding ('@') must come before any predicates on a step"
                            .into(),
                    );
                }
                if op == "@" && step.kind == Kind::Sort {
                    return Err(
                        "a context variable binding ('@') must come before an order-by clause"
                            .into(),
                    );
                }
                step.bound = true;
                if op == "#" && left.steps.is_none() {
                    let parent = left.kind() == Kind::Parent;
                    let (steps, mut carried) = left.into_steps();
                    if parent {
                        carried.push(1);
                    }
                    return Ok(Shape {
                        steps: Some(steps),
                        one: Step::of(Kind::Name),
                        group: false,
                        seek: carried,
                    });
                }
                Ok(left)
            }
            ":=" => {
                // jsonata-js refuses a left side that is not a variable here (S0212); jsonata-core,
                // the oracle, only when it evaluates, so it is not a syntax error.
                let rhs = self.expression(9)?;
                let mut s = Shape::of(Kind::Binary);
                s.gather(&left);
                s.gather(&rhs);
                Ok(s)
            }
            "?" => {
                let mut s = Shape::of(Kind::Condition);
                s.gather(&left);
                let then = self.expression(0)?;
                s.gather(&then);
                if self.tok.is(":") {
                    self.advance(Some(":"))?;
                    let otherwise = self.expression(0)?;
                    s.gather(&otherwise);
                }
                Ok(s)
            }
            "~>" => {
                // jsonata-js keeps no `%` of either side of `~>` (`%.id ~> $count` is valid).
                self.expression(40)?;
                Ok(Shape::of(Kind::Binary))
            }
            "?:" | "??" => {
                let mut s = Shape::of(Kind::Condition);
                s.gather(&left);
                let otherwise = self.expression(15)?;
                s.gather(&otherwise);
                Ok(s)
            }
            "+" | "-" | "*" | "/" | "%" | "=" | "<" | ">" | "!=" | "<=" | ">=" | "&" | "and"
            | "or" | "in" | ".." => {
                let rhs = self.expression(Tok::Op(op).lbp())?;
                let mut s = Shape::of(Kind::Binary);
                s.gather(&left);
                s.gather(&rhs);
                Ok(s)
            }
            other => Err(format!(
                "'{other}' cannot follow an operand {}",
                self.lex.here()
            )),
        }
    }

    /// `left . right`: a path, whose literal steps (numbers and values) are refused.
    fn dot(&mut self, left: Shape) -> R<Shape> {
        // jsonata-core's right binding power for `.`: a predicate, group or binding after the
        // step applies to the path so far (`a.b[0]` filters the last step either way).
        let right = self.expression(85)?;
        let was_path = left.steps.is_some();
        let group = was_path && left.group;
        let parent_first = !was_path && left.kind() == Kind::Parent;
        let (mut steps, mut carried) = left.into_steps();
        if parent_first {
            add(&mut carried, 1);
        }
        // Only the steps new to the path need the literal check: the rest had it.
        let new_from = if was_path { steps.len() } else { 0 };
        steps.extend(right.into_steps().0);
        if let Some(s) = steps[new_from..]
            .iter()
            .find(|s| matches!(s.kind, Kind::Num | Kind::Value))
        {
            let what = if s.kind == Kind::Num {
                "a number"
            } else {
                "true, false or null"
            };
            return Err(format!(
                "{what} cannot be a step of a path (after '.'); to index an array write [n]"
            ));
        }
        let mut path = Shape::path_seeking(steps, carried)?;
        path.group = group;
        Ok(path)
    }

    /// `left(args)`: a call, or, after `function`, a lambda's parameters, signature and body.
    fn call(&mut self, left: Shape) -> R<Shape> {
        // `function(…){…}` (or `λ`), on its own or as a path's last step (`Age.function($x){…}`).
        let lambda = !left.group
            && matches!(&left.steps, Some(s) if s.last().is_some_and(|l|
                l.kind == Kind::Function && !l.preds && !l.bound && !l.group));
        let mut call = Shape::of(Kind::Call);
        let mut params_ok = true;
        if !self.tok.is(")") {
            loop {
                if self.tok.is("?") {
                    self.advance(Some("?"))?;
                    params_ok = false;
                } else {
                    let arg = self.expression(0)?;
                    params_ok &= arg.steps.is_none()
                        && arg.kind() == Kind::Var
                        && !arg.one.preds
                        && !arg.one.group
                        && !arg.one.bound;
                    call.gather(&arg);
                }
                if !self.tok.is(",") {
                    break;
                }
                self.advance(Some(","))?;
            }
        }
        self.advance(Some(")"))?;
        if lambda {
            if !params_ok {
                return Err("a function's parameters must be variable names (start with $)".into());
            }
            if self.tok.is("<") {
                self.signature()?;
            }
            self.advance(Some("{"))?;
            // jsonata-js keeps no `%` of the body.
            self.expression(0)?;
            self.advance(Some("}"))?;
            let (mut steps, carried) = left.into_steps();
            if steps.len() == 1 {
                return Ok(Shape::of(Kind::Lambda));
            }
            if let Some(last) = steps.last_mut() {
                *last = Step::of(Kind::Lambda);
            }
            return Shape::path_seeking(steps, carried);
        }
        if !callable(&left) {
            return Err("this cannot be called: it is not a function".into());
        }
        Ok(call)
    }

    /// A lambda's signature, `<…>`, checked as jsonata-js's parseSignature does.
    fn signature(&mut self) -> R<()> {
        let mut sig = String::new();
        let mut depth = 1;
        while depth > 0 && !self.tok.is("{") && self.tok != Tok::End {
            self.advance(None)?;
            match &self.tok {
                Tok::Op(">") => depth -= 1,
                Tok::Op("<") => depth += 1,
                _ => {}
            }
            sig.push_str(&token_text(&self.tok));
        }
        self.advance(Some(">"))?;
        check_signature(&sig)
    }
}

/// Whether `procedure` may be called. jsonata-core refuses, while parsing, to call what can never
/// be a function: a literal, a wildcard, a constructor, a negation or a condition.
fn callable(procedure: &Shape) -> bool {
    let kind_ok = |k: Kind| {
        !matches!(
            k,
            Kind::Str
                | Kind::Num
                | Kind::Value
                | Kind::Undefined
                | Kind::Array
                | Kind::Object
                | Kind::Negation
                | Kind::Wildcard
                | Kind::Descendant
                | Kind::Parent
                | Kind::Condition
        )
    };
    match &procedure.steps {
        Some(steps) => match steps.as_slice() {
            [one] => one.preds || kind_ok(one.kind),
            [.., last] => match last.kind {
                Kind::Var => true,
                Kind::Name => !last.bound,
                Kind::Lambda | Kind::Block => !last.preds && !last.bound,
                _ => false,
            },
            [] => false,
        },
        None => procedure.one.preds || kind_ok(procedure.kind()),
    }
}

fn token_text(t: &Tok) -> String {
    match t {
        Tok::Op(o) => (*o).to_string(),
        Tok::Name(n) => n.clone(),
        _ => String::new(),
    }
}

/// jsonata-js's parseSignature, for its two errors: a type parameter (`<…>`) only on `a` and
/// `f`, and none inside a choice (`(…)`). `sig` is what follows the opening `<`.
fn check_signature(sig: &str) -> R<()> {
    let chars: Vec<char> = sig.chars().collect();
    let closing = |from: usize, open: char, close: char| {
        let mut depth = 1;
        let mut i = from;
        while i + 1 < chars.len() {
            i += 1;
            if chars[i] == close {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            } else if chars[i] == open {
                depth += 1;
            }
        }
        i
    };
    let mut prev: Option<char> = None;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            ':' => break,
            c @ ('b' | 'n' | 's' | 'l' | 'o' | 'a' | 'f' | 'j' | 'x') => prev = Some(c),
            '(' => {
                let end = closing(i, '(', ')');
                if chars[i + 1..end.max(i + 1)].contains(&'<') {
                    return Err(
                        "a choice of types in a function signature cannot have a type parameter"
                            .into(),
                    );
                }
                prev = Some('(');
                i = end;
            }
            '<' if i + 1 < chars.len() => {
                if !matches!(prev, Some('a' | 'f')) {
                    return Err(
                        "in a function signature, only 'a' (array) and 'f' (function) take a type parameter"
                            .into(),
                    );
                }
                i = closing(i, '<', '>');
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AndroidError } from './errors.ts';

/**
 * Recipes say, as data, how to drive one Android browser app: how to get past its first-run and
 * consent screens, open an incognito tab, reach the address bar and type into a page. They live as
 * JSON in fixtures/android/recipes/, one file per app, and are validated here.
 */

/** How to find one element. `text` is shorthand for an XPath on the element's visible text. */
export const selectorSchema = z
  .object({
    by: z.enum(['id', 'accessibility id', 'xpath', 'text', 'class name']),
    value: z.string().min(1),
    /** False until someone has seen this selector work on a real device; say which in `checkedOn`. */
    verified: z.boolean(),
    checkedOn: z.string().optional(),
    /**
     * Where the selector comes from: a public file (`owner/repo path@commit (field)`, listed in
     * fixtures/android/public-sources/), or `unsourced: …` saying why there is none.
     */
    source: z.string().min(1),
  })
  .strict();
export type Selector = z.infer<typeof selectorSchema>;

const timeout = z.number().int().positive().max(120_000).optional();

/** What every step on an element may add: skip it when the element is not there in time, and why it is there. */
const elementStep = {
  optional: z.boolean().optional(),
  timeoutMs: timeout,
  why: z.string().optional(),
};

export const stepSchema = z.union([
  /** Tap an element. `optional` steps are skipped when the element does not appear in time. */
  z
    .object({
      tap: selectorSchema,
      ...elementStep,
    })
    .strict(),
  /** Replace an input's text. `{url}` and `{query}` are filled in by the session. */
  z
    .object({
      type: selectorSchema,
      text: z.string(),
      ...elementStep,
    })
    .strict(),
  /**
   * Put a toggle (checkbox, switch) in a state: its `checked` is read first and it is tapped only
   * when it differs, then read again; a toggle that cannot be read, is not checkable, or did not
   * change fails the step. A tap without reading would turn on what was already off.
   */
  z
    .object({
      set: selectorSchema,
      checked: z.boolean(),
      ...elementStep,
    })
    .strict(),
  /** Press a key on the focused element. */
  z.object({ key: z.enum(['enter', 'back']), why: z.string().optional() }).strict(),
  /** Wait until an element is there. */
  z.object({ waitFor: selectorSchema, optional: z.boolean().optional(), timeoutMs: timeout }).strict(),
  /** Wait until an element is gone (e.g. a page-load progress bar). */
  z.object({ waitGone: selectorSchema, timeoutMs: timeout }).strict(),
  /** Fixed wait, for animations with nothing to wait on. */
  z.object({ sleep: z.number().int().positive().max(60_000) }).strict(),
]);
export type Step = z.infer<typeof stepSchema>;

export const recipeSchema = z
  .object({
    /** kebab-case, the `[:recipe]` part of `--target android:<serial>:<recipe>`. */
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
    name: z.string().min(1),
    appPackage: z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$/),
    appActivity: z.string().min(1),
    /** Registrable domains of the app's maker: the `vendor` recipient class. */
    vendorDomains: z.array(z.string().min(1)),
    notes: z.string().optional(),
    /** Screens shown on first start that are not about consent (welcome, sign-in offers, tips). */
    firstRun: z.array(stepSchema),
    /** Consent screens (metrics, personalised ads, privacy notices), answered as the target says. */
    consent: z.object({ granted: z.array(stepSchema), declined: z.array(stepSchema) }).strict(),
    openIncognito: z.array(stepSchema),
    /** Present on screen only while an incognito/private/secret tab is in front. */
    incognitoIndicator: selectorSchema,
    /**
     * Where the app says what its private mode does, read right after `openIncognito`: an XPath 1.0
     * over the page source (UiAutomator2's hierarchy: `resource-id`, `text` attributes) selecting,
     * in screen order, the text attributes of that page. Absent: the app shows no such page, or
     * nobody has named it yet; the run then keeps no promise for the target.
     */
    promise: z
      .object({
        xpath: z.string().min(1),
        /** The page as the user knows it, for run.json's `promise.source`. */
        page: z.string().min(1),
        verified: z.boolean(),
        checkedOn: z.string().optional(),
        source: z.string().min(1),
      })
      .strict()
      .optional(),
    /** Open `{url}` through the address bar (also used for address-bar searches with the query). */
    navigate: z.array(stepSchema),
    /** Type `{query}` into the search box of the page in front and submit it. */
    pageSearch: z.array(stepSchema),
    /** Wait for the page in front to finish loading. */
    loaded: z.array(stepSchema),
  })
  .strict();
export type Recipe = z.infer<typeof recipeSchema>;

export const RECIPE_DIR = fileURLToPath(new URL('../../fixtures/android/recipes/', import.meta.url));

/**
 * Parse and validate one recipe.
 * @throws Error `FILE: field "a.b" REASON` on bad input.
 */
export function parseRecipe(text: string, file: string): Recipe {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  const parsed = recipeSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${file}: field "${issue?.path.join('.') || '(root)'}" ${issue?.message ?? 'is invalid'}`,
    );
  }
  if (`${parsed.data.id}.json` !== basename(file)) {
    throw new Error(`${file}: field "id" is "${parsed.data.id}" but the file is named ${basename(file)}`);
  }
  return parsed.data;
}

/** Load every recipe in a folder, keyed by id. */
export function loadRecipes(dir: string = RECIPE_DIR): Map<string, Recipe> {
  const recipes = new Map<string, Recipe>();
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const file = join(dir, name);
    const recipe = parseRecipe(readFileSync(file, 'utf8'), file);
    recipes.set(recipe.id, recipe);
  }
  return recipes;
}

let shipped: Map<string, Recipe> | undefined;

/** Ids of the recipes phonehome ships. */
export function recipeIds(): string[] {
  shipped ??= loadRecipes();
  return [...shipped.keys()];
}

/**
 * A shipped recipe by id.
 * @throws AndroidError `unknown-recipe` listing the known ids.
 */
export function getRecipe(id: string): Recipe {
  shipped ??= loadRecipes();
  const recipe = shipped.get(id);
  if (!recipe) {
    throw new AndroidError(
      'unknown-recipe',
      `unknown Android recipe "${id}"; known recipes: ${recipeIds().join(', ')}`,
    );
  }
  return recipe;
}

/** Every selector a recipe uses, for listing which ones are unverified. */
export function recipeSelectors(recipe: Recipe): Selector[] {
  const steps = [
    ...recipe.firstRun,
    ...recipe.consent.granted,
    ...recipe.consent.declined,
    ...recipe.openIncognito,
    ...recipe.navigate,
    ...recipe.pageSearch,
    ...recipe.loaded,
  ];
  const out: Selector[] = [recipe.incognitoIndicator];
  for (const step of steps) {
    if ('tap' in step) out.push(step.tap);
    else if ('set' in step) out.push(step.set);
    else if ('type' in step) out.push(step.type);
    else if ('waitFor' in step) out.push(step.waitFor);
    else if ('waitGone' in step) out.push(step.waitGone);
  }
  return out;
}

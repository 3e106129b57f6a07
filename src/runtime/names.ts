// Container names: Docker's validity rule and random `adjective_noun` names for containers started without --name.
import { randomInt } from 'node:crypto';
import { UserError } from '../errors.js';

// Our own word lists (Docker's format, not its words): mild adjectives and animals.
const adjectives = [
  'agile', 'amber', 'bold', 'brave', 'bright', 'calm', 'clever', 'cosmic', 'crisp', 'curious', 'daring', 'eager',
  'fancy', 'fierce', 'gentle', 'glad', 'golden', 'happy', 'humble', 'jolly', 'keen', 'kind', 'lively', 'loyal',
  'lucid', 'merry', 'mighty', 'modest', 'nimble', 'noble', 'patient', 'plucky', 'polite', 'proud', 'quick', 'quiet',
  'rapid', 'serene', 'sharp', 'shiny', 'silent', 'sleek', 'smart', 'steady', 'sunny', 'swift', 'tidy', 'vivid',
  'warm', 'wise', 'witty', 'zesty',
];
const nouns = [
  'albatross', 'badger', 'beaver', 'bison', 'cheetah', 'condor', 'coyote', 'crane', 'dolphin', 'eagle', 'falcon',
  'ferret', 'gazelle', 'gecko', 'heron', 'ibex', 'jackal', 'jaguar', 'kestrel', 'koala', 'lemur', 'lynx', 'magpie',
  'marmot', 'meerkat', 'narwhal', 'ocelot', 'otter', 'panda', 'pelican', 'penguin', 'puffin', 'quokka', 'raccoon',
  'raven', 'salmon', 'seal', 'sparrow', 'stoat', 'swan', 'tapir', 'tiger', 'toucan', 'turtle', 'urchin', 'vole',
  'walrus', 'weasel', 'wombat', 'yak', 'zebra',
];

const validName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Accepts Docker's optional leading "/" and returns the bare name; throws on names Docker refuses. */
export function checkName(name: string): string {
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (!validName.test(bare)) throw new UserError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return bare;
}

/** A random `adjective_noun`; after a clash the caller asks again with `retry` > 0 and gets a digit appended, as Docker does. */
export function randomName(retry = 0): string {
  const name = `${adjectives[randomInt(adjectives.length)]}_${nouns[randomInt(nouns.length)]}`;
  return retry > 0 ? `${name}${randomInt(10)}` : name;
}

// The application's own code in the README's example: here it only remembers, for the test.
const saved = (globalThis.__allpassVerifications ??= []);

export async function saveVerification(data) {
  saved.push(data);
}

export const savedVerifications = () => saved.splice(0);

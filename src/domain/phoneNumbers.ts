// One number written two ways (+61 411 111 111, 61411111111) is one number: compared by its digits.

export const digitsOf = (phone: string): string => phone.replace(/[^0-9]/g, "")

export const sameNumber = (a: string, b: string): boolean => digitsOf(a) === digitsOf(b)

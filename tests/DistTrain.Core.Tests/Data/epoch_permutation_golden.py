"""Golden orders for EpochPermutationTests, computed independently of the C# code.

Re-implements, from their published definitions, SplitMix64 seeding, xoshiro256**,
Lemire's unbiased bounded integers and Durstenfeld's Fisher-Yates, plus the (seed, epoch)
mix of EpochPermutation.MixSeed. Run with python3; prints the arrays pinned in the test.
"""

MASK = (1 << 64) - 1


def finalize(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def mix_seed(seed, epoch):
    return finalize((seed + finalize((epoch + 0x9E3779B97F4A7C15) & MASK)) & MASK)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class Xoshiro256StarStar:
    def __init__(self, seed):
        self.s = []
        x = seed
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK
            self.s.append(finalize(x))

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def next_int(self, bound):
        product = self.next() * bound
        low = product & MASK
        if low < bound:
            threshold = ((1 << 64) - bound) % bound
            while low < threshold:
                product = self.next() * bound
                low = product & MASK
        return product >> 64


def permutation(n, seed, epoch):
    rng = Xoshiro256StarStar(mix_seed(seed, epoch))
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.next_int(i + 1)
        order[i], order[j] = order[j], order[i]
    return order


if __name__ == "__main__":
    for seed, epoch in [(42, 0), (42, 1), (7, 3)]:
        print(seed, epoch, permutation(10, seed, epoch))

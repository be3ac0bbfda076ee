using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace PveEmulator;

/// <summary>RFC 6238 TOTP as PVE's TFA uses it: HMAC-SHA1, 30-second steps, 6 digits, base32 secret.</summary>
public static class Totp
{
    private const int StepSeconds = 30;

    public static string Compute(string base32Secret, DateTimeOffset time) =>
        ComputeForStep(DecodeBase32(base32Secret), time.ToUnixTimeSeconds() / StepSeconds);

    /// <summary>Accepts the code of the current step and of one step either side (clock skew).</summary>
    internal static bool Verify(string base32Secret, string code, DateTimeOffset time)
    {
        byte[] key = DecodeBase32(base32Secret);
        long step = time.ToUnixTimeSeconds() / StepSeconds;
        for (long s = step - 1; s <= step + 1; s++)
        {
            if (CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(ComputeForStep(key, s)), System.Text.Encoding.ASCII.GetBytes(code)))
            {
                return true;
            }
        }
        return false;
    }

    private static string ComputeForStep(byte[] key, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        byte[] hash = HMACSHA1.HashData(key, counter);
        int offset = hash[^1] & 0x0F;
        int binary = ((hash[offset] & 0x7F) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }

    private static byte[] DecodeBase32(string secret)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (char c in secret.ToUpperInvariant())
        {
            if (c is '=' or ' ' or '-')
            {
                continue;
            }
            int value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                throw new FormatException($"'{c}' is not a base32 character");
            }
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes.Add((byte)(buffer >> bits));
                buffer &= (1 << bits) - 1;
            }
        }
        return [.. bytes];
    }
}

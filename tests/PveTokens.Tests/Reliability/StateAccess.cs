using PveEmulator;
using PveEmulator.Model;

namespace PveTokens.Tests.Reliability;

/// <summary>Inspection and changes of the emulator's state that its public API has no call for (under its lock).</summary>
internal static class StateAccess
{
    public static (string Comment, long Expire, bool Privsep)? GetToken(this EmulatorState state, string userId, string tokenId)
    {
        lock (state.Sync)
        {
            return state.Users.TryGetValue(userId, out User? u) && u.Tokens.TryGetValue(tokenId, out Token? t)
                ? (t.Comment, t.Expire, t.Privsep)
                : null;
        }
    }

    public static List<string> TokenIds(this EmulatorState state, string userId)
    {
        lock (state.Sync)
        {
            return state.Users.TryGetValue(userId, out User? u) ? u.Tokens.Keys.ToList() : new List<string>();
        }
    }

    public static void RemoveToken(this EmulatorState state, string userId, string tokenId)
    {
        lock (state.Sync)
        {
            state.Users[userId].Tokens.Remove(tokenId);
        }
    }

    public static void SetUserEnabled(this EmulatorState state, string userId, bool enabled)
    {
        lock (state.Sync)
        {
            state.Users[userId].Enable = enabled;
        }
    }

    public static void AddRealm(this EmulatorState state, string realm, string type = "ad")
    {
        lock (state.Sync)
        {
            state.Realms.Add(new Realm(realm, type, "test realm"));
        }
    }
}

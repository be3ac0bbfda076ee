using PveTokens.Access;
using PveTokens.Client;

namespace PveTokens.Tests.Tokens;

public class PveEpochTests
{
    [Fact]
    public void ZeroMeansNever() => Assert.Null(PveEpoch.ToLocalDateTime(0));

    [Fact]
    public void Year2100SurvivesTheRoundTripAsInt64()
    {
        // 4102444800 = 2100-01-01T00:00:00Z, far beyond Int32 (2038-01-19).
        DateTime? local = PveEpoch.ToLocalDateTime(4102444800);
        Assert.NotNull(local);
        Assert.Equal(DateTimeKind.Local, local!.Value.Kind);
        Assert.Equal(new DateTime(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc), local.Value.ToUniversalTime());
        Assert.Equal(4102444800L, PveEpoch.ToEpoch(local.Value));
        Assert.True(4102444800L > int.MaxValue);
    }

    [Fact]
    public void UtcLocalAndUnspecifiedKindsAreInterpretedAsPowerShellDoes()
    {
        var utc = new DateTime(2030, 6, 1, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal(1906545600L, PveEpoch.ToEpoch(utc));
        Assert.Equal(1906545600L, PveEpoch.ToEpoch(utc.ToLocalTime()));

        // [datetime]'2030-06-01 12:00' has Kind Unspecified: that is local time, as Get-Date shows it.
        var unspecified = DateTime.SpecifyKind(utc.ToLocalTime(), DateTimeKind.Unspecified);
        Assert.Equal(1906545600L, PveEpoch.ToEpoch(unspecified));
    }

    [Fact]
    public void SubSecondsAreDroppedAndTimesBefore1970NeverBecomeNever()
    {
        Assert.Equal(1L, PveEpoch.ToEpoch(new DateTime(1970, 1, 1, 0, 0, 1, 900, DateTimeKind.Utc)));
        Assert.Equal(-1L, PveEpoch.ToEpoch(new DateTime(1969, 12, 31, 23, 59, 59, 500, DateTimeKind.Utc)));
    }

    [Theory]
    [InlineData(0L, 1000L, false)]
    [InlineData(999L, 1000L, true)]
    [InlineData(1000L, 1000L, false)] // PVE: expire < time()
    [InlineData(1001L, 1000L, false)]
    public void IsExpiredFollowsPve(long expire, long now, bool expected) =>
        Assert.Equal(expected, PveEpoch.IsExpired(expire, now));

    [Theory]
    [InlineData(null, false)]
    [InlineData(-1L, true)]
    [InlineData(0L, false)] // the expiry is this very second: PVE still accepts it
    [InlineData(1L, false)]
    public void IsExpiredOfADateTimeComparesWholeSecondsAsPveDoes(long? offsetSeconds, bool expected)
    {
        const long now = 1906545600;
        // As Get-PveUser shows it: local time, with a sub-second part that must not tip the balance.
        DateTime? at = offsetSeconds is long offset ? PveEpoch.ToLocalDateTime(now + offset)!.Value.AddMilliseconds(500) : null;
        Assert.Equal(expected, PveEpoch.IsExpired(at, now));
    }

    [Fact]
    public void UsersAndTokensAgreeOnExpiry()
    {
        long past = PveEpoch.Now - 3600;
        long future = PveEpoch.Now + 3600;
        var expiredUser = new PveTokens.Models.PveUser { ExpiresAt = PveEpoch.ToLocalDateTime(past) };
        var activeUser = new PveTokens.Models.PveUser { ExpiresAt = PveEpoch.ToLocalDateTime(future) };
        var neverUser = new PveTokens.Models.PveUser { ExpiresAt = PveEpoch.ToLocalDateTime(0) };
        var expiredToken = new PveTokens.Models.PveApiToken("a@pve", "t", null, past, true, null, null, null);
        var activeToken = new PveTokens.Models.PveApiToken("a@pve", "t", null, future, true, null, null, null);

        Assert.True(expiredUser.IsExpired);
        Assert.False(activeUser.IsExpired);
        Assert.False(neverUser.IsExpired);
        Assert.Equal(expiredToken.IsExpired, expiredUser.IsExpired);
        Assert.Equal(activeToken.IsExpired, activeUser.IsExpired);
    }

    [Fact]
    public void HugeValuesAreClampedToTheLastRepresentableSecond() =>
        Assert.Equal(9999, PveEpoch.ToLocalDateTime(long.MaxValue)!.Value.ToUniversalTime().Year);
}

package pilot

import (
	"math"
	"time"
)

// SoloDeal is a deal a partner sold alone (not flagged for co-sell), read from its CRM by an activity:
// the baseline co-sell results are compared with.
type SoloDeal struct {
	Amount    float64   `json:"amount"`
	Won       bool      `json:"won"`
	CreatedAt time.Time `json:"createdAt"`
	// ClosedAt is zero for a deal still open; open deals are not part of the baseline.
	ClosedAt time.Time `json:"closedAt"`
}

// Baseline is the solo deals of both partners closed in the window.
type Baseline struct {
	Deals []SoloDeal `json:"deals,omitempty"`
	// Available is false when the baseline could not be read (a CRM unreachable, a query not allowed);
	// Note then says why, and every solo figure reads "no data".
	Available bool   `json:"available"`
	Note      string `json:"note,omitempty"`
}

// Ratio is a number computed from data that may be missing: an average or a rate. Valid false means
// there was nothing to compute it from; Value is then 0 and must not be shown as a number.
type Ratio struct {
	Value float64 `json:"value"`
	Valid bool    `json:"valid"`
}

// ratio divides, giving an invalid Ratio instead of a division by zero or a non-finite value.
func ratio(num, den float64) Ratio {
	if den == 0 {
		return Ratio{}
	}
	v := num / den
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Ratio{}
	}
	return Ratio{Value: v, Valid: true}
}

// Dispute health bands of the attribution dispute rate.
const (
	Healthy = "healthy" // below 5 %
	Watch   = "watch"   // 5 % to 10 %
	Flagged = "flagged" // above 10 %
	NoData  = "no data"
)

// DisputeHealth bands an attribution dispute rate: below 5 % healthy, 5 % to 10 % (both included)
// watch, above 10 % flagged.
func DisputeHealth(r Ratio) string {
	switch {
	case !r.Valid:
		return NoData
	case r.Value < 0.05-eps:
		return Healthy
	case r.Value <= 0.10+eps:
		return Watch
	}
	return Flagged
}

// eps forgives the last bits of float error in comparisons with thresholds (0.1 × 3 is not 0.3).
const eps = 1e-9

// Metrics are a window's numbers: the playbook's five core metrics, joint (co-sell) against solo where
// the playbook compares them, and the health figures.
type Metrics struct {
	// JointOpportunities counts co-sell deals registered in the window.
	JointOpportunities int `json:"jointOpportunities"`
	// Win rates: won ÷ (won + lost) of deals closed in the window.
	JointWinRate Ratio `json:"jointWinRate"`
	SoloWinRate  Ratio `json:"soloWinRate"`
	// Average amount of the deals won in the window (those whose amount is known).
	JointAvgDeal Ratio `json:"jointAvgDeal"`
	SoloAvgDeal  Ratio `json:"soloAvgDeal"`
	// Average sales cycle of the deals closed in the window, in pilot days: co-sell from registration
	// to close, solo from creation to close (deals whose start is known).
	JointCycleDays Ratio `json:"jointCycleDays"`
	SoloCycleDays  Ratio `json:"soloCycleDays"`
	// AttributableRevenue is revenue attributable to the partnership: with attribution records
	// (ScoreAttributed), the won deals in which both partners hold a part of the commission pool;
	// without them, ClosedRevenue: won co-sell deals in full.
	AttributableRevenue float64 `json:"attributableRevenue"`
	// PipelineValue is the open co-sell pipeline now.
	PipelineValue float64 `json:"pipelineValue"`
	// PipelineCreated sums the amounts of the deals registered in the window.
	PipelineCreated float64 `json:"pipelineCreated"`
	// ClosedRevenue sums the amounts of the co-sell deals won in the window.
	ClosedRevenue float64 `json:"closedRevenue"`
	// Counts behind the rates, for people reading a scorecard.
	JointWon    int `json:"jointWon"`
	JointLost   int `json:"jointLost"`
	OpenDeals   int `json:"openDeals"`
	SoloWon     int `json:"soloWon"`
	SoloLost    int `json:"soloLost"`
	SLABreaches int `json:"slaBreaches"`
	Conflicts   int `json:"conflicts"`
	// Deals counts every co-sell deal the window tracks (registered in it or carried over): the
	// denominator of the dispute rate when there are no attribution records.
	Deals int `json:"deals"`
	// Attributions counts the attribution records of deals won in the window (ScoreAttributed): when
	// given, the denominator of the dispute rate, since only an attribution can be disputed.
	Attributions int `json:"attributions,omitempty"`
	// DisputeRate is the share of those deals (or attributions) with an attribution dispute.
	DisputeRate   Ratio  `json:"disputeRate"`
	DisputeHealth string `json:"disputeHealth"`
	DisputedDeals int    `json:"disputedDeals"`
	// OpenDisputes counts the disputes of those attributions no approver has resolved yet.
	OpenDisputes int `json:"openDisputes,omitempty"`
	Touchpoints  int `json:"touchpoints"`
}

// Measure computes a window's metrics from its summary and the solo baseline, as of at. Solo deals
// count when they closed in the window: from s.Start to at (a zero at means no upper bound).
func Measure(cfg Config, s *Summary, solo Baseline, at time.Time) Metrics {
	var m Metrics
	m.DisputeHealth = NoData
	if s == nil {
		s = NewSummary(0, time.Time{})
	}
	var wonAmount, cycleSum float64
	var cycles, priced int
	for _, id := range s.ids() {
		d := s.Deals[id]
		if d.registeredIn(s.Start) {
			m.JointOpportunities++
			m.PipelineCreated += d.Amount
		}
		if d.Disputes > 0 {
			m.DisputedDeals++
		}
		switch {
		case d.Status == StatusOpen:
			m.OpenDeals++
			m.PipelineValue += d.Amount
			continue
		case !d.closedIn(s.Start):
			continue
		case d.Status == StatusWon:
			m.JointWon++
			if d.Amount > 0 {
				wonAmount += d.Amount
				priced++
			}
		default:
			m.JointLost++
		}
		if !d.RegisteredAt.IsZero() {
			cycleSum += d.CycleDays
			cycles++
		}
	}
	m.JointWinRate = ratio(float64(m.JointWon), float64(m.JointWon+m.JointLost))
	m.JointAvgDeal = ratio(wonAmount, float64(priced))
	m.JointCycleDays = ratio(cycleSum, float64(cycles))
	m.ClosedRevenue = wonAmount
	m.AttributableRevenue = wonAmount
	m.SLABreaches, m.Conflicts, m.Touchpoints = s.Breaches, s.Conflicts, s.Touchpoints
	m.Deals = len(s.Deals)
	m.DisputeRate = ratio(float64(m.DisputedDeals), float64(m.Deals))
	m.DisputeHealth = DisputeHealth(m.DisputeRate)

	if solo.Available {
		var soloWonAmount, soloCycles float64
		var soloPriced, soloTimed int
		for _, sd := range solo.Deals {
			if sd.ClosedAt.IsZero() || sd.ClosedAt.Before(s.Start) || (!at.IsZero() && sd.ClosedAt.After(at)) {
				continue
			}
			if sd.Won {
				m.SoloWon++
				if knownAmount(sd.Amount) {
					soloWonAmount += sd.Amount
					soloPriced++
				}
			} else {
				m.SoloLost++
			}
			if !sd.CreatedAt.IsZero() {
				soloCycles += days(cfg, sd.CreatedAt, sd.ClosedAt)
				soloTimed++
			}
		}
		m.SoloWinRate = ratio(float64(m.SoloWon), float64(m.SoloWon+m.SoloLost))
		m.SoloAvgDeal = ratio(soloWonAmount, float64(soloPriced))
		m.SoloCycleDays = ratio(soloCycles, float64(soloTimed))
	}
	return m
}

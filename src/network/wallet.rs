//! The wallet side: deciding a payment (limits, risk, FX, promotions, password), the simulated
//! shopper's reactions, the wallet's timers, and notifications.

use super::api::{
    AppliedPromotion, Delivery, Notification, PayMethod, PaymentStage, PaymentView, WalletBrand,
};
use super::book::{
    ConfirmBehaviour, Dialect, FundedBy, PasswordHabit, Shopper, WalletMode, WalletProfile,
};
use super::codes::{ResultCode, ResultInfo};
use super::state::{MoveKind, Order, ShopperMove};
use super::{BACKEND_LATENCY_MS, Network};
use crate::clock::Timestamp;
use crate::money::fx::{FxQuote, convert, convert_back};
use crate::money::{Money, Rounding};

/// The wallet's decision on a payment it could accept.
#[derive(Debug, Clone)]
pub(crate) struct Assessment {
    pub quote: FxQuote,
    pub gross: Money,
    pub charge: Money,
    pub promotion: Option<AppliedPromotion>,
    pub settlement: Money,
    pub needs_password: bool,
}

impl Network {
    /// Limits, risk, FX, promotion and balance, in the order a wallet checks them.
    pub(crate) fn assess(
        &self,
        shopper: &Shopper,
        wallet: &WalletProfile,
        amount: Money,
        mode: WalletMode,
        now: Timestamp,
    ) -> Result<Assessment, ResultCode> {
        if !wallet.supports(mode) {
            return Err(ResultCode::UnavailablePaymentMethod);
        }
        if shopper.risk_flagged {
            return Err(ResultCode::RiskReject);
        }
        let quote = self
            .fx
            .quote(amount.currency(), wallet.currency, now)
            .map_err(|_| ResultCode::CurrencyNotSupport)?;
        let gross = convert(amount, &quote).map_err(|_| ResultCode::CurrencyNotSupport)?;
        if gross.amount() > wallet.max_amount {
            return Err(ResultCode::UserAmountExceedLimit);
        }
        if gross.amount() < wallet.min_amount {
            return Err(ResultCode::ProcessFail);
        }
        let promo = wallet
            .promotion
            .iter()
            .filter(|p| gross.amount() >= p.min_amount && p.savings < gross.amount())
            .max_by_key(|p| p.savings);
        let (charge, promotion, settlement) = match promo {
            None => (gross, None, amount),
            Some(p) => {
                let savings = wallet.money(p.savings);
                let charge = gross
                    .checked_sub(savings)
                    .map_err(|_| ResultCode::ProcessFail)?;
                let merchant_cost = match p.funded_by {
                    FundedBy::Wallet => Money::zero(amount.currency()),
                    // Priced back at the payment's own rate; half-up to the store's minor units.
                    FundedBy::Merchant => convert_back(savings, &quote, Rounding::HalfUp)
                        .map_err(|_| ResultCode::ProcessFail)?,
                };
                let settlement = amount
                    .checked_sub(merchant_cost)
                    .map_err(|_| ResultCode::ProcessFail)?;
                (
                    charge,
                    Some(AppliedPromotion {
                        promo_id: p.id.clone(),
                        name: p.name.clone(),
                        promo_type: p.promo_type.clone(),
                        funded_by: p.funded_by,
                        savings,
                        merchant_cost,
                    }),
                    settlement,
                )
            }
        };
        let balance = self.balance(&shopper.id).ok_or(ResultCode::ProcessFail)?;
        if balance.amount() < charge.amount() {
            return Err(ResultCode::UserBalanceNotEnough);
        }
        let needs_password = shopper.password == PasswordHabit::Always
            || wallet
                .password_above
                .is_some_and(|limit| gross.amount() > limit);
        Ok(Assessment {
            quote,
            gross,
            charge,
            promotion,
            settlement,
            needs_password,
        })
    }

    /// When the simulated shopper will answer a prompt, by their configured behaviour.
    pub(crate) fn schedule_for(
        &self,
        shopper: &Shopper,
        wallet: &WalletProfile,
        request_id: &str,
        mode: WalletMode,
        now: Timestamp,
    ) -> Option<(Timestamp, ShopperMove)> {
        if self.is_offline(&shopper.id) {
            return None;
        }
        let range = if mode == WalletMode::Tap {
            wallet.tap_confirm_ms
        } else {
            wallet.confirm_ms
        };
        let at = self.after(now, &["confirm", request_id], range);
        match shopper.behaviour {
            ConfirmBehaviour::AutoConfirm => Some((at, ShopperMove::Confirm)),
            ConfirmBehaviour::Refuses => Some((at, ShopperMove::Refuse)),
            ConfirmBehaviour::Manual | ConfirmBehaviour::Abandons => None,
        }
    }

    /// Applies the wallet's clock: scheduled shopper moves and auto-closes due by `now`,
    /// earliest first.
    pub(crate) fn tick(&mut self, now: Timestamp) {
        loop {
            let due = self
                .open_orders
                .iter()
                .filter_map(|id| self.orders.get(id))
                .filter_map(|o| o.next_event().map(|t| (t, o.request_id.clone())))
                .filter(|(t, _)| *t <= now)
                .min();
            let Some((at, id)) = due else { break };
            let Some(order) = self.orders.get(&id) else {
                break;
            };
            let shopper_first = match (order.scheduled, order.closes_at) {
                (Some((t, _)), Some(c)) => t < c,
                (Some(_), None) => true,
                _ => false,
            };
            if shopper_first {
                let action = order
                    .scheduled
                    .map(|(_, a)| a)
                    .unwrap_or(ShopperMove::Confirm);
                self.shopper_acts(&id, action, at);
            } else {
                self.finish_unpaid(&id, PaymentStage::Closed, ResultCode::OrderIsClosed, at);
            }
        }
    }

    /// The shopper confirms (the wallet charges, re-checking the balance) or refuses.
    pub(crate) fn shopper_acts(&mut self, id: &str, action: ShopperMove, at: Timestamp) {
        let Some(order) = self.orders.get_mut(id) else {
            return;
        };
        order.scheduled = None;
        if order.stage != PaymentStage::AwaitingShopper {
            return;
        }
        self.dirty_orders.insert(id.to_string());
        match action {
            ShopperMove::Refuse => {
                self.finish_unpaid(
                    id,
                    PaymentStage::Failed,
                    ResultCode::UserPaymentVerificationFailed,
                    at,
                );
            }
            ShopperMove::Confirm => {
                let Some((shopper, charge)) = order.shopper.clone().zip(order.wallet_amount) else {
                    self.finish_unpaid(id, PaymentStage::Failed, ResultCode::ProcessFail, at);
                    return;
                };
                let enough = self
                    .balance(&shopper)
                    .is_some_and(|b| b.amount() >= charge.amount());
                if enough {
                    self.charge(id, at);
                    self.notify(id, at);
                } else {
                    self.finish_unpaid(
                        id,
                        PaymentStage::Failed,
                        ResultCode::UserBalanceNotEnough,
                        at,
                    );
                }
            }
        }
    }

    /// Takes the money: the only place a shopper is charged, once per order.
    pub(crate) fn charge(&mut self, id: &str, at: Timestamp) {
        let Some(order) = self.orders.get_mut(id) else {
            return;
        };
        if order.paid_at.is_some() {
            return;
        }
        let (Some(shopper), Some(charge)) = (order.shopper.clone(), order.wallet_amount) else {
            return;
        };
        order.stage = PaymentStage::Paid;
        order.paid_at = Some(at);
        order.closes_at = None;
        order.scheduled = None;
        order.failure = None;
        self.open_orders.remove(id);
        self.dirty_orders.insert(id.to_string());
        let debit = Money::new(-charge.amount(), charge.currency()).unwrap_or(charge);
        self.move_balance(&shopper, MoveKind::Charge, debit, id, at);
        if let Some(screen) = self.result_screen(id) {
            self.last_screens.insert(shopper, (at, screen));
        }
    }

    /// Ends an unpaid order (declined, closed by the wallet, or cancelled by the merchant).
    pub(crate) fn finish_unpaid(
        &mut self,
        id: &str,
        stage: PaymentStage,
        code: ResultCode,
        at: Timestamp,
    ) {
        let Some(order) = self.orders.get_mut(id) else {
            return;
        };
        let was_open = order.stage.is_open();
        order.stage = stage;
        order.failure = Some(code);
        order.scheduled = None;
        order.closes_at = None;
        let shopper = order.shopper.clone();
        self.open_orders.remove(id);
        self.dirty_orders.insert(id.to_string());
        if let (Some(s), Some(screen)) = (shopper, self.result_screen(id)) {
            self.last_screens.insert(s, (at, screen));
        }
        // The merchant learns of wallet-side endings by notification; its own cancels it knows.
        if was_open && stage != PaymentStage::Cancelled {
            self.notify(id, at);
        }
    }

    pub(crate) fn brand_of(&self, o: &Order) -> Option<WalletBrand> {
        let w = self.book.wallet(o.wallet.as_ref()?)?;
        Some(WalletBrand {
            wallet_id: w.id.clone(),
            brand_name: w.brand.clone(),
            psp_id: w.psp_id.clone(),
        })
    }

    fn in_process_code(&self, o: &Order) -> ResultCode {
        let wechat = o
            .wallet
            .as_ref()
            .and_then(|w| self.book.wallet(w))
            .is_some_and(|w| w.dialect == Dialect::Wechat);
        if wechat {
            ResultCode::UserPaying
        } else {
            ResultCode::PaymentInProcess
        }
    }

    /// The payment's own result (query's `paymentResult`, notifications, a repeated pay).
    pub(crate) fn payment_result(&self, o: &Order) -> ResultInfo {
        match o.stage {
            PaymentStage::AwaitingScan => ResultInfo::with_message(
                ResultCode::PaymentInProcess,
                "Order code shown; not yet scanned by a shopper.",
            ),
            PaymentStage::AwaitingShopper => ResultInfo::with_message(
                self.in_process_code(o),
                if o.needs_password {
                    "Shopper is entering the password on the phone."
                } else {
                    "Shopper is confirming on the phone."
                },
            ),
            PaymentStage::Paid | PaymentStage::PartiallyRefunded | PaymentStage::Refunded => {
                ResultInfo::with_message(ResultCode::Success, "Paid.")
            }
            PaymentStage::Failed => ResultInfo::of(o.failure.unwrap_or(ResultCode::ProcessFail)),
            PaymentStage::Closed => ResultInfo::of(ResultCode::OrderIsClosed),
            PaymentStage::Cancelled => ResultInfo::with_message(
                ResultCode::OrderIsClosed,
                "Cancelled by the merchant; nothing was charged.",
            ),
            PaymentStage::Reversed => ResultInfo::with_message(
                ResultCode::OrderIsClosed,
                "Cancelled by the merchant after payment; the charge was returned.",
            ),
        }
    }

    pub(crate) fn view(&self, o: &Order) -> PaymentView {
        PaymentView {
            payment_request_id: o.request_id.clone(),
            payment_id: o.payment_id.clone(),
            mode: o.mode,
            stage: o.stage,
            amount: o.amount,
            wallet: self.brand_of(o),
            customer_id: o
                .shopper
                .as_ref()
                .and_then(|s| self.book.shopper(s))
                .map(|s| s.account.clone()),
            quote: o.quote.clone(),
            gross_wallet_amount: o.gross_wallet_amount,
            wallet_amount: o.wallet_amount,
            promotion: o.promotion.clone(),
            settlement_amount: o.settlement_amount,
            created_at: o.created_at,
            paid_at: o.paid_at,
            refunded: o.refunded,
            bill_number: match &o.method {
                PayMethod::OrderCode { bill_number, .. } => Some(bill_number.clone()),
                PayMethod::PaymentCode { .. } | PayMethod::EntryCode { .. } => None,
            },
            closes_at: o.closes_at,
        }
    }

    /// Queues a `notifyPayment` for an order that just reached a final state.
    pub(crate) fn notify(&mut self, id: &str, at: Timestamp) {
        let Some(o) = self.orders.get(id) else { return };
        let body = Notification {
            payment_request_id: id.to_string(),
            payment_result: self.payment_result(o),
            payment: self.view(o),
            sent_at: at,
        };
        let deliver_at = self.reply_at(
            Some(o),
            at,
            &["notify", id, &at.millis().to_string()],
            BACKEND_LATENCY_MS,
        );
        self.outbox.push((at, Delivery { deliver_at, body }));
    }
}

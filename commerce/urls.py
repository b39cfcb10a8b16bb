from django.urls import path

from commerce import views

app_name = "commerce"

urlpatterns = [
    path("course/<int:course_id>/", views.course_checkout, name="course_checkout"),
    path("bundle/", views.bundle_checkout, name="bundle_checkout"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/invoice.pdf", views.invoice_download, name="invoice_pdf"),
    path("orders/<str:number>/receipt.pdf", views.receipt_download, name="receipt_pdf"),
    path("orders/<str:number>/test-payment/", views.test_pay, name="test_pay"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
